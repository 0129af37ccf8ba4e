"""The demo's audit step when the demo database was deleted but not its checkpoints (var/): the
embedded demo moves the old checkpoints aside and signs afresh; production still refuses."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import OutputWrapper
from django.db import transaction

from tongban.audit.checkpoints import CheckpointRefused, audit_checkpoint, checkpoint_names, checkpoint_storage
from tongban.audit.demo import AFRESH, demo_load
from tongban.audit.services import audit_record, audit_verify

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=1)


class _Deleted(Exception):
    pass


def _fill(n: int, *, prefix: str) -> None:
    for i in range(n):
        at = T0 + dt.timedelta(minutes=i)
        audit_record(action="case.accept", object_type="case", object_id=f"{prefix}{i}", at=at)


def _earlier_database_signed(checkpoints: int) -> None:
    """An earlier demo database wrote its log and checkpoints, then was deleted: its rows are gone
    (rolled back), its checkpoint files stay."""

    def write_then_delete() -> None:
        with transaction.atomic():
            for n in range(checkpoints):
                _fill(4, prefix=f"OLD{n}-")
                audit_checkpoint(at=T0 + dt.timedelta(hours=n + 1))
            raise _Deleted

    with pytest.raises(_Deleted):
        write_then_delete()


def _output() -> tuple[OutputWrapper, io.StringIO]:
    """What demo-setup hands a loader: a wrapper ending each write with a newline."""
    buffer = io.StringIO()
    return OutputWrapper(buffer), buffer


def _folder() -> Path:
    return Path(checkpoint_storage().location)  # type: ignore[attr-defined]


def test_the_demo_sets_aside_checkpoints_of_an_earlier_database_and_signs_its_own() -> None:
    _earlier_database_signed(2)
    _fill(3, prefix="NEW")  # this database's own log
    out, buffer = _output()
    demo_load(now=T1, stdout=out)
    lines = buffer.getvalue().splitlines()
    aside = _folder() / "superseded-20260311T020000Z"
    assert lines == [
        f"audit: 2 checkpoint(s) from an earlier demo database (this one never wrote them) moved to {aside}",
        "audit: checkpoint #1 signed (3 entries)",
    ]
    assert sorted(p.name for p in aside.iterdir()) == [
        "audit-checkpoint-00000001.json",
        "audit-checkpoint-00000002.json",
    ]
    assert checkpoint_names(checkpoint_storage()) == ["audit-checkpoint-00000001.json"]
    report = audit_verify()
    assert report.ok and report.checkpoint == 1, report.problems  # type: ignore[attr-defined]
    # A second run follows on from its own checkpoint, moving nothing.
    out, buffer = _output()
    demo_load(now=T1 + dt.timedelta(minutes=5), stdout=out)
    assert buffer.getvalue().splitlines() == ["audit: checkpoint #2 signed (4 entries)"]


def test_only_the_checkpoints_this_log_never_wrote_move() -> None:
    _fill(2, prefix="OWN")
    audit_checkpoint(at=T0 + dt.timedelta(minutes=30))  # #1, written here
    # A copy of the database taken before #2 restored over it: #2 came from a log that is gone.
    _earlier_database_signed(1)
    assert checkpoint_names(checkpoint_storage())[-1] == "audit-checkpoint-00000002.json"
    out, buffer = _output()
    demo_load(now=T1, stdout=out)
    assert buffer.getvalue().splitlines()[-1] == "audit: checkpoint #2 signed (3 entries)"
    assert [p.name for p in (_folder() / "superseded-20260311T020000Z").iterdir()] == ["audit-checkpoint-00000002.json"]


def test_production_still_refuses_a_log_that_does_not_match_the_checkpoints(settings: Any) -> None:
    _earlier_database_signed(2)
    _fill(3, prefix="NEW")
    settings.PRODUCTION = True
    with pytest.raises(CheckpointRefused):
        demo_load(now=T1, stdout=_output()[0])
    assert checkpoint_names(checkpoint_storage()) == [
        "audit-checkpoint-00000001.json",
        "audit-checkpoint-00000002.json",
    ]
    assert not list(_folder().glob("superseded-*"))


def test_a_checkpoint_this_log_wrote_stays_and_the_demo_says_what_to_do(settings: Any) -> None:
    _fill(3, prefix="OWN")
    audit_checkpoint(at=T0 + dt.timedelta(hours=1))
    # The audit key was deleted (var/audit-keys) but not the database: the demo invents a new key,
    # under which checkpoint #1 no longer verifies. It is this log's own, so it stays.
    shutil.rmtree(settings.AUDIT_KEYS_DIR)
    out, buffer = _output()
    demo_load(now=T1, stdout=out)
    (line,) = buffer.getvalue().splitlines()
    assert line.startswith("audit: no checkpoint signed (checkpoint #1: signed by key ")
    assert line.endswith("; `tongban audit verify` says where; " + AFRESH)
    assert AFRESH == "`make demo-reset` (it deletes var/) starts the demo afresh"
    assert checkpoint_names(checkpoint_storage()) == ["audit-checkpoint-00000001.json"]
    assert not list(_folder().glob("superseded-*"))
