"""Checking the audit log: every chain recomputed, and pinned to the latest signed checkpoint.

Recomputing the chains finds an entry whose content no longer matches its hash, a gap, an entry
out of order, and a head that disagrees with its chain. A database writer can defeat all of that by
recomputing every later hash and moving the head, or by emptying both tables; a signed checkpoint
kept outside the database (``tongban.audit.checkpoints``) cannot be rewritten that way. So each
chain's entry at the checkpoint's sequence number must still carry the checkpoint's hash, which
pins every entry up to it: a modification, deletion, insertion or reordering at or before it, a cut
tail, a head moved back and a wiped log are all reported, however the hashes were recomputed.

The tables are parameters (``AuditTables``), so the same check runs on a copy of the log: the
mutation tests tamper with a copy, since the live tables refuse UPDATE and DELETE on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from tongban.audit.models import AuditEntry, AuditHead
from tongban.audit.services import GENESIS, ChainReport, _digest, _fields
from tongban.common.rows import RowLoader

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_BATCH = 5000


@dataclass(frozen=True)
class AuditTables:
    """The two tables of an audit log: the live ones, or a copy of them."""

    entries: str = AuditEntry._meta.db_table
    heads: str = AuditHead._meta.db_table

    def __post_init__(self) -> None:
        for name in (self.entries, self.heads):
            if not _NAME.match(name):
                raise ValueError(f"not a table name: {name!r}")

    def quoted(self) -> tuple[str, str]:
        qn = connection.ops.quote_name
        return qn(self.entries), qn(self.heads)


LIVE = AuditTables()


@dataclass(frozen=True)
class Pin:
    """One chain's position in a checkpoint: its last sequence number and that entry's hash."""

    chain: int
    seq: int
    hash: str


@dataclass(frozen=True)
class AuditReport(ChainReport):
    """A chain report, with the signed checkpoint it was checked against (None: there was none)."""

    checkpoint: int | None = None
    checkpoint_at: dt.datetime | None = None
    checkpoint_entries: int | None = None
    notes: list[str] = field(default_factory=list)
    rewritten: list[int] = field(default_factory=list)  # chains whose entries differ from the checkpoint


_ENTRY = RowLoader(AuditEntry, [f.attname for f in AuditEntry._meta.concrete_fields if not f.primary_key])
_DATA = RowLoader(AuditEntry, ["data"])


def entries_of(tables: AuditTables, chain: int, *, after: int = 0, upto: int | None = None) -> Iterator[AuditEntry]:
    """The entries of one chain with ``after < seq <= upto``, in sequence order, read in batches."""
    entries, _ = tables.quoted()
    qn = connection.ops.quote_name
    sql = (
        f"SELECT {_ENTRY.columns('e')} FROM {entries} e WHERE e.{qn('chain')} = %s AND e.{qn('seq')} > %s"  # noqa: S608
        + (f" AND e.{qn('seq')} <= %s" if upto is not None else "")
        + f" ORDER BY e.{qn('seq')} LIMIT {_BATCH}"
    )
    last = after
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [chain, last] + ([upto] if upto is not None else []))
            rows = cursor.fetchall()
        for row in rows:
            entry = _ENTRY.load(row)
            last = entry.seq
            yield entry
        if len(rows) < _BATCH:
            return


def entry_at(tables: AuditTables, chain: int, seq: int) -> AuditEntry | None:
    """The entry of ``chain`` numbered ``seq``, if there is one."""
    return next(entries_of(tables, chain, after=seq - 1, upto=seq), None)


def heads_of(tables: AuditTables) -> dict[int, tuple[int, str]]:
    """Each head's chain → (seq, hash)."""
    _, heads = tables.quoted()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, seq, hash FROM {heads}")  # noqa: S608 a checked table name
        return {int(c): (int(s), str(h)) for c, s, h in cursor.fetchall()}


def chains_of(tables: AuditTables) -> set[int]:
    entries, _ = tables.quoted()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT chain FROM {entries}")  # noqa: S608 a checked table name
        return {int(c) for (c,) in cursor.fetchall()}


def last_recorded_checkpoint(tables: AuditTables) -> int | None:
    """The number of the newest ``audit.checkpoint`` entry in the log (None: none recorded)."""
    entries, _ = tables.quoted()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_DATA.columns('e')} FROM {entries} e WHERE e.action = %s ORDER BY e.id DESC LIMIT 1",  # noqa: S608
            ["audit.checkpoint"],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    number = _DATA.load(row).data.get("number")
    return number if isinstance(number, int) else None


@dataclass
class Walk:
    """What walking one chain found: entries seen, where it ended, whether the pin was reached."""

    count: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    pin_seen: bool = False
    pin_differs: bool = False
    pinned_count: int = 0


def walk_chain(
    tables: AuditTables,
    chain: int,
    *,
    problems: list[str],
    start: Pin | None = None,
    upto: int | None = None,
    pin: Pin | None = None,
    checkpoint_label: str = "",
    limit: int = 20,
) -> Walk:
    """Recompute one chain from ``start`` (genesis when None) up to ``upto`` (the end when None).

    Appends to ``problems``: gaps (deleted or inserted), broken predecessor links (reordered),
    content that does not match its hash (edited), and an entry at ``pin.seq`` whose hash is not
    the checkpoint's (rewritten with recomputed hashes). Stops once ``limit`` problems are found.
    """
    walk = Walk(last_seq=start.seq if start else 0, last_hash=start.hash if start else GENESIS)
    if start is not None and start.seq > 0:
        anchor = entry_at(tables, chain, start.seq)
        if anchor is None or anchor.hash != start.hash:
            problems.append(
                f"chain {chain}: entry {start.seq} no longer carries the hash of {checkpoint_label}: "
                "it or an entry before it was rewritten, deleted or inserted"
            )
    for entry in entries_of(tables, chain, after=walk.last_seq, upto=upto):
        walk.count += 1
        expected = walk.last_seq + 1
        where = f"chain {chain}: entry {entry.seq}"
        if entry.seq != expected:
            problems.append(
                f"chain {chain}: entry {expected} is missing (next found is {entry.seq}): deleted or inserted"
            )
        if entry.prev_hash != walk.last_hash:
            problems.append(f"{where} does not follow its predecessor: reordered or deleted before it")
        if _digest(entry.prev_hash, _fields(entry)) != entry.hash:
            problems.append(f"{where} content does not match its hash: edited")
        if pin is not None and entry.seq <= pin.seq:
            walk.pinned_count += 1
            if entry.seq == pin.seq:
                walk.pin_seen = True
                if entry.hash != pin.hash:
                    walk.pin_differs = True
                    problems.append(
                        f"{where} differs from {checkpoint_label}: an entry up to it was edited, deleted, "
                        "inserted or reordered and the later hashes recomputed"
                    )
        walk.last_seq, walk.last_hash = entry.seq, entry.hash
        if len(problems) >= limit:
            break
    return walk


def verify_log(
    *,
    tables: AuditTables = LIVE,
    checkpoint: Any = None,
    checkpoint_problems: list[str] | None = None,
    notes: list[str] | None = None,
    limit_problems: int = 20,
) -> AuditReport:
    """Recompute every chain of ``tables`` and compare it with ``checkpoint`` (a verified
    ``checkpoints.Checkpoint``, or None). ``checkpoint_problems`` (an unreadable or forged
    checkpoint, a missing one where one is required) are reported first."""
    problems: list[str] = list(checkpoint_problems or [])
    pins: dict[int, Pin] = {p.chain: p for p in checkpoint.chains} if checkpoint is not None else {}
    label = f"signed checkpoint #{checkpoint.number} of {checkpoint.at:%Y-%m-%d %H:%M}Z" if checkpoint else ""
    heads = heads_of(tables)
    chains = sorted(set(heads) | chains_of(tables) | set(pins))
    count = pinned = 0
    rewritten: list[int] = []
    for chain in chains:
        pin = pins.get(chain)
        walk = walk_chain(tables, chain, problems=problems, pin=pin, checkpoint_label=label, limit=limit_problems)
        count += walk.count
        pinned += walk.pinned_count
        if walk.pin_differs:
            rewritten.append(chain)
        if len(problems) >= limit_problems:
            return _report(problems, count, checkpoint, notes, rewritten)
        head = heads.get(chain)
        if head is None and walk.count:
            problems.append(f"chain {chain} has entries but no head: the head was deleted")
        elif head is not None and (head[0] != walk.last_seq or head[1] != walk.last_hash):
            problems.append(
                f"chain {chain}: the head says {head[0]} entries ending in {head[1][:12]}: the tail was cut or changed"
            )
        if pin is not None and not walk.pin_seen:
            problems.append(
                f"chain {chain}: {label} recorded {pin.seq} entries ending in {pin.hash[:12]}, the log has "
                f"{walk.last_seq}: the tail was cut and the head moved back"
            )
    if checkpoint is not None:
        if count == 0 and checkpoint.entries > 0:
            problems.insert(
                0, f"the audit log is empty, but {label} recorded {checkpoint.entries} entries: the log was wiped"
            )
        elif pinned != checkpoint.entries:
            problems.append(
                f"{pinned} entries lie within {label}, which recorded {checkpoint.entries}: "
                "entries were removed or added"
            )
        recorded = last_recorded_checkpoint(tables)
        if recorded is not None and recorded > checkpoint.number:
            problems.append(
                f"the log records checkpoint #{recorded}, the newest in the export is #{checkpoint.number}: "
                "a checkpoint is missing from the export"
            )
    return _report(problems, count, checkpoint, notes, rewritten)


def _report(
    problems: list[str], count: int, checkpoint: Any, notes: list[str] | None, rewritten: list[int]
) -> AuditReport:
    return AuditReport(
        ok=not problems,
        entries=count,
        problems=problems,
        checkpoint=checkpoint.number if checkpoint is not None else None,
        checkpoint_at=checkpoint.at if checkpoint is not None else None,
        checkpoint_entries=checkpoint.entries if checkpoint is not None else None,
        notes=list(notes or []),
        rewritten=rewritten,
    )
