"""The reader's language on every request, as production serves it (issue 21): granian with two
worker processes, as ``make serve`` runs it, on a database of its own (a SQLite file migrated and
seeded here; DATABASE_URL is not used, so this never touches a shared database).

Fifty requests alternating Chinese and English to each page that has a partial or a kept part
(the nearest-outlets panel, the catalog list and its results partial, item guides with their
outlet and booking panels, the booking panel, the verification page and its result partial, the
service map) must each come back in the language asked for. A translated value kept in a worker
(the bug of ``outlets.selectors.kind_label``) answers in the language of whichever request that
worker served first, so with two workers about half the requests of one language go wrong.

What "the language asked for" means, per page: the first Chinese and the first English answers
are the reference (each checked: the English one shows no Chinese outside ``lang="zh-Hans"``
elements, and each has words of its own); every later English answer shows no Chinese and none
of the Chinese reference's own words, every Chinese answer none of the English reference's own
words and ``<html lang>`` (on full pages) says the same.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pages.crawl import CJK, english_violations, visible_text

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REQUESTS = 50
LANGS = ("zh-hans", "en")

SEED = """
import datetime as dt
from tongban.certificates.services import certificate_issue
from tongban.common.clock import now
from tongban.common.ids import make_id_number
from tongban.outlets.demo import outlets_generate

at = now()
outlets_generate(at=at)
holder = make_id_number("330106", dt.date(1990, 5, 17), 123)
cert = certificate_issue(
    template="NCR", holder_id_number=holder, holder_name="张三",
    facts={"period_from": "2021-01-01", "period_to": at.date().isoformat(), "purpose": "就业"},
    case_number="LANG-1", issued_at=at,
)
print("TOKEN=" + cert.token)
"""

#: (path, sent as an htmx request): every page with a partial or a part kept across requests
PAGES = [
    ("/outlets/nearest/", False),
    ("/outlets/nearest/?item=no_criminal_record&lat=30.27&lng=120.15", False),
    ("/outlets/map/", False),
    ("/catalog/", False),
    ("/catalog/?q=%E8%AF%81", True),  # the results partial, searched (证)
    ("/catalog/no_criminal_record/", False),
    ("/catalog/dog_licence_renew/", False),
    ("/catalog/passport/", False),
    ("/appointments/for-item/hukou_certificate/", False),
    ("/certificates/verify/?t={token}", False),
    ("/certificates/verify/?t={token}", True),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, a certificate's token): granian, 2 workers, on a fresh migrated SQLite file."""
    var = tmp_path_factory.mktemp("served-var")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tongban.config.settings",
        "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
        "TONGBAN_VAR_DIR": str(var),
        "TONGBAN_SITE_URL": "http://127.0.0.1",
        "REDIS_URL": "",
    }
    env.pop("DATABASE_REPLICA_URL", None)
    subprocess.run([BIN / "tongban", "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True, timeout=600)
    seeded = subprocess.run(
        [BIN / "python", "-c", "import django; django.setup()\n" + SEED],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=600,
        capture_output=True,
        text=True,
    )
    token = next(line[6:] for line in seeded.stdout.splitlines() if line.startswith("TOKEN="))
    port = _free_port()
    cmd = [
        BIN / "granian",
        *("--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)),
        *("--workers", "2", "--blocking-threads", "2", "--no-ws", "--log-level", "error"),
        "tongban.config.wsgi:application",
    ]  # the Makefile's `make serve` (WORKERS=2, THREADS=2)
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:  # noqa: S310  (loopback http)
                    if r.status == 200:
                        break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "granian exited"
                assert time.time() < deadline, "granian did not answer within 60 s"
                time.sleep(0.3)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _get(url: str, lang: str, htmx: bool) -> str:
    headers = {"Cookie": f"django_language={lang}", "Connection": "close"}
    if htmx:
        headers["HX-Request"] = "true"
    request = urllib.request.Request(url, headers=headers)  # noqa: S310  (the loopback server above)
    with urllib.request.urlopen(request, timeout=30) as r:  # noqa: S310
        assert r.status == 200, (url, lang, r.status)
        return str(r.read().decode())


def _words(html: str) -> set[str]:
    return {text for _lang, text in visible_text(html)}


def _own(words: set[str], lang: str) -> set[str]:
    """Words that can only be of ``lang``: Chinese text, or English words without Chinese (numbers
    and times, which may change between two requests, are neither)."""
    if lang == "en":
        return {w for w in words if re.search(r"[A-Za-z]{2,}", w) and not CJK.search(w)}
    return {w for w in words if CJK.search(w)}


def _html_lang(html: str) -> str | None:
    head = html[: html.find(">", html.find("<html")) + 1] if "<html" in html else ""
    for lang in LANGS:
        if f'lang="{lang}"' in head:
            return lang
    return None


@pytest.mark.parametrize(("path", "htmx"), PAGES, ids=[f"{p}{' (htmx)' if h else ''}" for p, h in PAGES])
def test_fifty_alternating_requests_come_back_in_the_language_asked_for(
    served: tuple[str, str], path: str, htmx: bool
) -> None:
    base, token = served
    url = base + path.format(token=token)
    reference = {lang: _get(url, lang, htmx) for lang in LANGS}
    assert english_violations(reference["en"]) == [], "the first English answer is not English"
    own = {
        "zh-hans": _own(_words(reference["zh-hans"]) - _words(reference["en"]), "zh-hans"),
        "en": _own(_words(reference["en"]) - _words(reference["zh-hans"]), "en"),
    }
    assert own["zh-hans"] and own["en"], "the page shows no words of its own language"
    wrong: list[str] = []
    for n in range(REQUESTS):
        lang = LANGS[n % 2]
        other = LANGS[(n + 1) % 2]
        html = _get(url, lang, htmx)
        words = _words(html)
        foreign = sorted(words & own[other])
        if lang == "en":
            foreign += english_violations(html)
        declared = _html_lang(html)
        if foreign or (declared is not None and declared != lang):
            wrong.append(f"request {n + 1} ({lang}, <html lang={declared}>): {foreign[:5]}")
    assert wrong == [], f"{len(wrong)} of {REQUESTS} answers in the wrong language:\n" + "\n".join(wrong)
