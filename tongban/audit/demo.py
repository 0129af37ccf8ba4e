"""Demo data of the audit module: a signed checkpoint of the log the other demo loaders wrote.

Runs last (``demo-setup``), so ``tongban audit verify`` in the demo pins every chain to it. A second
run signs a new checkpoint of whatever was added since: checkpoints only ever follow each other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongban.audit.checkpoints import audit_checkpoint


def demo_load(*, now: dt.datetime, stdout: Any) -> None:
    checkpoint = audit_checkpoint(at=now)
    stdout.write(f"audit: checkpoint #{checkpoint.number} signed ({checkpoint.entries} entries)")
