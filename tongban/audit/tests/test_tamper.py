"""Mutation tests of the verifier (G13): a database writer tampers with a copy of the log, each
way the outside probe tried and then some, and recomputes every later hash and the head so the
chain alone still looks intact. The signed checkpoint catches every one; without it they pass,
which is what the probe found ("OK: 0 entries" for a wiped log)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tongban.audit.checkpoints import audit_checkpoint
from tongban.audit.services import audit_record, audit_verify
from tongban.audit.tests.tamper import TamperedCopy

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


def _modify(c: TamperedCopy) -> None:
    c.edit(1, 3)
    c.recompute(1)


def _delete(c: TamperedCopy) -> None:
    c.delete(1, 3)
    c.renumber(1, after=3, by=-1)
    c.recompute(1)


def _insert(c: TamperedCopy) -> None:
    c.insert_copy_of(1, 2, at_seq=3)
    c.recompute(1)


def _reorder(c: TamperedCopy) -> None:
    c.swap(1, 2, 4)
    c.recompute(1)


def _truncate(c: TamperedCopy) -> None:
    c.cut_tail(1, keep=4)


def _wipe(c: TamperedCopy) -> None:
    c.wipe()


# Tampering → what `tongban audit verify` says (the first problem it reports).
KINDS: dict[str, tuple[Callable[[TamperedCopy], None], str]] = {
    "modification": (_modify, "chain 1: entry 6 differs from signed checkpoint #1 of 2026-03-10 03:00Z"),
    "deletion": (_delete, "chain 1: entry 6 differs from signed checkpoint #1"),
    "insertion": (_insert, "chain 1: entry 6 differs from signed checkpoint #1"),
    "reordering": (_reorder, "chain 1: entry 6 differs from signed checkpoint #1"),
    "truncation": (_truncate, "chain 1: signed checkpoint #1 of 2026-03-10 03:00Z recorded 6 entries ending in"),
    "wiped log": (_wipe, "the audit log is empty, but signed checkpoint #1 of 2026-03-10 03:00Z recorded 6 entries"),
}


@pytest.fixture
def signed() -> None:
    """Six entries in chain 1, a signed checkpoint of them, then its own entry (7)."""
    for i in range(6):
        audit_record(action="case.accept", object_type="case", object_id=f"C{i}", at=T0 + dt.timedelta(minutes=i))
    audit_checkpoint(at=T0 + dt.timedelta(hours=1))
    assert audit_verify().ok


@pytest.mark.parametrize("kind", KINDS)
def test_each_tampering_is_detected_against_the_signed_checkpoint(signed: None, kind: str) -> None:
    tamper, expected = KINDS[kind]
    copy = TamperedCopy()
    assert audit_verify(tables=copy.tables).ok  # the copy itself is intact
    tamper(copy)
    report = audit_verify(tables=copy.tables)
    assert not report.ok
    assert report.problems[0].startswith(expected), report.problems


@pytest.mark.parametrize("kind", KINDS)
def test_without_the_checkpoint_the_chain_alone_is_fooled(signed: None, kind: str, tmp_path: Path) -> None:
    """The control: the same rewrites pass a verifier that has no checkpoint to compare with."""
    tamper, _ = KINDS[kind]
    copy = TamperedCopy()
    tamper(copy)
    report = audit_verify(tables=copy.tables, checkpoints=str(tmp_path / "nothing-here"))
    assert report.ok, report.problems


@pytest.mark.parametrize("kind", KINDS)
def test_the_command_exits_non_zero_with_the_reason(
    signed: None, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper, expected = KINDS[kind]
    copy = TamperedCopy()
    tamper(copy)
    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify", "--entries-table", copy.tables.entries, "--heads-table", copy.tables.heads)
    assert failed.value.returncode == 1
    assert str(failed.value).startswith("audit chain broken (")
    assert capsys.readouterr().err.startswith(expected)


def test_a_truncation_reports_the_cut_and_the_missing_entries(signed: None) -> None:
    copy = TamperedCopy()
    _truncate(copy)
    report = audit_verify(tables=copy.tables)
    assert report.entries == 4
    assert report.problems[1:] == [
        "4 entries lie within signed checkpoint #1 of 2026-03-10 03:00Z, which recorded 6: "
        "entries were removed or added"
    ]


def test_the_tampered_copy_leaves_the_live_log_intact(signed: None) -> None:
    copy = TamperedCopy()
    _wipe(copy)
    report = audit_verify()
    assert report.ok and report.entries == 7


@pytest.mark.parametrize(
    ("edited", "expected"),
    [
        (
            6,
            "chain 1: the rewrite lies after entry 3, intact as signed in checkpoint #1 of 2026-03-11 02:00Z, "
            "and at or before entry 7 (checkpoint #2 of 2026-03-12 02:00Z)",
        ),
        (
            2,
            "chain 1: the rewrite lies at or before entry 3 (checkpoint #1 of 2026-03-11 02:00Z), the first checkpoint",
        ),
        (
            10,
            "chain 1: the rewrite lies after entry 7, intact as signed in checkpoint #2 of 2026-03-12 02:00Z, "
            "and at or before entry 11 (checkpoint #3 of 2026-03-13 02:00Z)",
        ),
    ],
)
def test_earlier_checkpoints_narrow_down_where_a_rewrite_lies(edited: int, expected: str) -> None:
    """Three daily checkpoints, each followed by its own entry: a rewrite with recomputed hashes
    breaks every checkpoint from the first one after it, and none before."""
    for day in range(1, 4):
        for i in range(3):
            audit_record(action="case.accept", object_type="case", object_id=f"D{day}-{i}", at=T0)
        audit_checkpoint(at=T0 + dt.timedelta(days=day))
    copy = TamperedCopy()
    copy.edit(1, edited)
    copy.recompute(1)
    report = audit_verify(tables=copy.tables)
    assert report.problems[0].startswith("chain 1: entry 11 differs from signed checkpoint #3")
    assert report.problems[-1].startswith(expected), report.problems
