"""The plain SQL the audit module keeps: taking a free chain head and moving it, on every append.

Plain SQL is allowed here only where it is measured to pay (HANDBOOK-dev.md, docs/adr/0010), and
each statement has an ORM twin that its test compares it with on SQLite and PostgreSQL
(tongban/audit/tests/test_sql.py). The hash stays in Python (``audit.services._digest``); these
two statements only read and write a head row, so a new field on ``AuditEntry`` changes nothing here.

Every audited write (a submission, a case move, a booking, a certificate issue) runs both: lock
the first head no other transaction holds (``SELECT ... FOR UPDATE SKIP LOCKED``, ADR 0007), and
after the entry's INSERT move the head to it. Building and compiling the two ORM queries cost
about twice the CPU of the whole rest of the append. Measured (PostgreSQL, the 100,000-case bench
database, in-process ``time.process_time`` per ``audit_record`` inside a transaction, runs
interleaved, the shared 2-core machine at a load average of 9-12, 2026-12-07): 1,155 µs with the
ORM twins against 571 µs (2.0x); about a tenth of an API submission's CPU (issue 14's submit
floor, docs/benchmarks.md).
"""

from __future__ import annotations

from typing import NamedTuple

from django.db import connection

from tongban.audit.models import AuditHead


class Head(NamedTuple):
    """A chain head as an append reads it: the chain, its last sequence number and hash."""

    id: int
    seq: int
    hash: str


_TABLE = AuditHead._meta.db_table
_COLUMNS = {f.name: f.column for f in AuditHead._meta.concrete_fields}
_ID, _SEQ, _HASH = _COLUMNS["id"], _COLUMNS["seq"], _COLUMNS["hash"]
# column and table names from the model, values bound
_FREE = f"SELECT {_ID}, {_SEQ}, {_HASH} FROM {_TABLE} WHERE {_ID} <= %s ORDER BY {_ID} LIMIT 1"  # noqa: S608
_FREE += " FOR UPDATE SKIP LOCKED"
_MOVE = f"UPDATE {_TABLE} SET {_SEQ} = %s, {_HASH} = %s WHERE {_ID} = %s"  # noqa: S608


def head_lock_free(chains: int) -> Head | None:
    """Lock and return the lowest-numbered head among chains 1..``chains`` that no other
    transaction holds (one this transaction holds already is not skipped); None when every one
    is held or none exists yet. Databases that can skip locked rows only (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(_FREE, [chains])
        row = cursor.fetchone()
    return Head(*row) if row is not None else None


def head_lock_free_orm(chains: int) -> Head | None:
    """What ``head_lock_free`` does, in the ORM (the reference its test compares with)."""
    free = AuditHead.objects.select_for_update(skip_locked=True).filter(id__lte=chains).order_by("id")
    row = free.values_list("id", "seq", "hash").first()
    return Head(*row) if row is not None else None


def head_move(head_id: int, *, seq: int, hash: str) -> None:
    """Set a head to the entry just appended to its chain (the caller holds the head's lock)."""
    with connection.cursor() as cursor:
        cursor.execute(_MOVE, [seq, hash, head_id])


def head_move_orm(head_id: int, *, seq: int, hash: str) -> None:
    """What ``head_move`` does, in the ORM (the reference its test compares with)."""
    AuditHead.objects.filter(id=head_id).update(seq=seq, hash=hash)
