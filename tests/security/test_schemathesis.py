"""G3: schemathesis against a local server (loopback), as two identities (a citizen and an
approver, each with a bearer token), bounded in examples and time.

Checks: no server error, responses match their schema, every status code and content type is
documented, schema-violating requests are refused, deleted things stay deleted. The figures of
the run are saved for docs/security.md (``tests/security/figures.py``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.security.figures import save_figures
from tests.security.world import plant

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CHECKS = (
    "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,"
    "negative_data_rejection,use_after_free"
)
FIGURES_DIR = ROOT / "var"
MAX_EXAMPLES = int(os.environ.get("TONGBAN_SCHEMATHESIS_EXAMPLES", "100"))
MAX_SECONDS = int(os.environ.get("TONGBAN_SCHEMATHESIS_SECONDS", "90"))  # per identity (CI runs it twice)


def _run(base: str, token: str, name: str) -> dict[str, Any]:
    cmd = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base}/api/v1/openapi.json",
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(MAX_SECONDS),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--suppress-health-check",
        "all",
        "--seed",
        "2026",
        "--no-color",
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=MAX_SECONDS + 240, cwd=ROOT, check=False)
    out = r.stdout + r.stderr
    generated = re.search(r"(\d+) generated", out)
    failures = re.search(r"(\d+) found (\d+) unique failures?", out)
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    (FIGURES_DIR / f"schemathesis-{name}.txt").write_text(out)  # the whole report, for reading a failure
    return {
        "identity": name,
        "exit_code": r.returncode,
        "test_cases": int(generated.group(1)) if generated else 0,
        "failures": int(failures.group(2)) if failures else (0 if r.returncode == 0 else 1),
        "output_tail": out[-4000:],
    }


def test_schemathesis_finds_nothing(
    live_server: Any, personas: Any, now: dt.datetime, settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from tongban.accounts.services import api_token_create

    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"
    settings.CERTIFICATE_VERIFY_AUDIT = "sync"  # no audit thread writing past the test's end
    settings.SUBMIT_RATE_PER_HOUR = 0  # the fuzzer submits far more than a person would
    settings.APPOINTMENT_POLICY = {"attempts_per_minute": 100_000}
    monkeypatch.setattr("tongban.common.clock.now", lambda: now)
    plant(personas, now)
    runs = [
        _run(live_server.url, api_token_create(user=personas.citizen, name="fuzz", at=now)[1], "citizen"),
        _run(live_server.url, api_token_create(user=personas.approvers["huzheng"], name="fuzz", at=now)[1], "approver"),
    ]
    save_figures(
        "schemathesis",
        {
            "checks": CHECKS,
            "max_examples": MAX_EXAMPLES,
            "max_seconds_per_identity": MAX_SECONDS,
            "identities": [{k: v for k, v in run.items() if k != "output_tail"} for run in runs],
            "test_cases": sum(run["test_cases"] for run in runs),
            "failures": sum(run["failures"] for run in runs),
        },
    )
    for run in runs:
        assert run["exit_code"] == 0 and run["test_cases"] > 0, run["output_tail"]
