"""The WSGI application with one fault: while ``TOPOLOGY_HOLD`` names an existing file, the
response to a case submission (POST /api/v1/cases/) is held after the application has run and
committed, so the test can kill the web process with the submission in flight and its answer lost."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tongban.config.wsgi import application as tongban

HOLD = Path(os.environ.get("TOPOLOGY_HOLD", "/nonexistent"))


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = tongban(environ, start_response)
    if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == "/api/v1/cases/" and HOLD.exists():
        (HOLD.parent / "held").write_text(str(os.getpid()))
        time.sleep(3600)
    return body
