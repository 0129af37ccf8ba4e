"""G1 (issue 16 finding 9): production settings pass ``check --deploy --fail-level WARNING``;
HSTS ≥ one year in production; CSP without inline script, no framing, nosniff, Referrer-Policy;
``no-store`` on answers that carry personal data. (Every URL × role is covered by
test_access_matrix.py, which applies ``assert_security_headers`` to each answer.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)


def production_env(tmp_path: Path) -> dict[str, str]:
    """Production mode as .env.example describes it (nothing is connected to by these checks)."""
    # Nothing of this process leaks in (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, for one).
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TONGBAN_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    env.update(
        TONGBAN_MODE="production",
        TONGBAN_SECRET_KEY="k" * 20 + "-production-check-" + "z" * 30,
        DATABASE_URL="postgres://tongban@127.0.0.1:5432/tongban",
        TONGBAN_S3_BUCKET="tongban",
        TONGBAN_ALLOWED_HOSTS="tongban.example.gov.cn",
        TONGBAN_VAR_DIR=str(tmp_path),
    )
    return env


def test_check_deploy_is_clean_in_production_mode(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "tongban", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout


def test_production_settings_are_https_only(tmp_path: Path) -> None:
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
    ]
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {names!r}}}))"
    )
    env = production_env(tmp_path) | {"DJANGO_SETTINGS_MODULE": "tongban.config.settings"}
    r = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    prod = json.loads(r.stdout.strip().splitlines()[-1])
    assert prod["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and prod["SECURE_SSL_REDIRECT"]
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"]
    assert prod["SECURE_CONTENT_TYPE_NOSNIFF"] and prod["X_FRAME_OPTIONS"] == "DENY"
    assert prod["SECURE_REFERRER_POLICY"] == "same-origin"


def assert_security_headers(response: Any, *, personal: bool) -> None:
    """The headers every answer carries; ``personal``: it is for a signed-in user or the API."""
    csp = response.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp, csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert response.get("X-Content-Type-Options") == "nosniff"
    assert response.get("Referrer-Policy") == "same-origin"
    if personal and response.status_code < 300:
        assert "no-store" in response.get("Cache-Control", "") or "private" in response.get("Cache-Control", "")
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode("utf-8", "replace")
        assert INLINE_SCRIPT.findall(html) == [], "inline <script> on the page"
        assert INLINE_HANDLER.findall(html) == [], "inline event handler on the page"


def test_hsts_is_sent_over_https(api: Any, personas: Any, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000
    r = api(personas.citizen).get("/cases/mine/", secure=True)
    assert r.status_code == 200
    assert r["Strict-Transport-Security"].startswith("max-age=31536000")
    assert_security_headers(r, personal=True)


@pytest.mark.parametrize("url", ["/", "/catalog/", "/certificates/verify/", "/accounts/login/"])
def test_public_pages_carry_the_headers(api: Any, url: str) -> None:
    r = api(None).get(url)
    assert r.status_code == 200
    assert_security_headers(r, personal=False)


def test_no_template_has_an_inline_script_or_handler() -> None:
    found = []
    for path in [*(ROOT / "tongban").rglob("templates/**/*.html"), *(ROOT / "tongban").rglob("jinja2/**/*.html")]:
        text = path.read_text(encoding="utf-8")
        bad = INLINE_SCRIPT.findall(text) + INLINE_HANDLER.findall(text) + STYLE_ELEMENT.findall(text)
        found += [f"{path.relative_to(ROOT)}: {m}" for m in bad]
    assert found == []
