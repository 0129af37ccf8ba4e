"""``tongban worker`` with a pause at one chosen moment, for fault injection: when the moment
comes the worker writes ``TOPOLOGY_MARK`` and sleeps until the test SIGKILLs it.

TOPOLOGY_PAUSE=result  after the result (the certificate) of case TOPOLOGY_PAUSE_KEY is issued and
                       committed, before the task is recorded as done;
TOPOLOGY_PAUSE=render  after the PDF of certificate TOPOLOGY_PAUSE_KEY is stored in the bucket,
                       before the row says so.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


def _pause() -> None:
    Path(os.environ["TOPOLOGY_MARK"]).write_text(str(os.getpid()))
    time.sleep(3600)


def main() -> None:
    import django

    django.setup()
    moment, key = os.environ.get("TOPOLOGY_PAUSE", ""), os.environ.get("TOPOLOGY_PAUSE_KEY", "")
    if moment == "result":
        from tongban.cases import tasks

        issue = tasks.case_result_issue

        def issue_then_pause(**kw: Any) -> Any:
            case = issue(**kw)
            if kw.get("number") == key:
                _pause()
            return case

        tasks.case_result_issue = issue_then_pause
    elif moment == "render":
        from tongban.storage.backends import S3Storage

        save = S3Storage._save

        def save_then_pause(self: S3Storage, name: str, content: Any) -> str:
            saved = save(self, name, content)
            if saved.startswith("certificates/") and key in saved:
                _pause()
            return saved

        S3Storage._save = save_then_pause  # type: ignore[method-assign]
    from tongban.cli import main as tongban

    tongban(["tongban", *sys.argv[1:]])


if __name__ == "__main__":
    main()
