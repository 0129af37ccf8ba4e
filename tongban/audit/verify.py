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
A copy is read through unmanaged twins of the two models, so every read here is an ORM query.
These reads were plain SQL; they do not pay: ``bench/audit_verify_timing.py --runs 3`` over a
25,474-entry log on PostgreSQL took 0.62-0.64 s of CPU with it and 0.61-0.77 s with the ORM
(hashing each entry is the cost, not reading it).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps.registry import Apps
from django.db import models

from tongban.audit.models import AuditEntry, AuditHead
from tongban.audit.services import GENESIS, ChainReport, _digest, _fields

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_BATCH = 5000
# Models of a copy of the log live in a registry of their own: never migrated, never listed.
_COPIES = Apps()


@dataclass(frozen=True)
class AuditTables:
    """The two tables of an audit log: the live ones, or a copy of them."""

    entries: str = AuditEntry._meta.db_table
    heads: str = AuditHead._meta.db_table

    def __post_init__(self) -> None:
        for name in (self.entries, self.heads):
            if not _NAME.match(name):
                raise ValueError(f"not a table name: {name!r}")

    def models(self) -> tuple[Any, Any]:
        """(entry model, head model) reading these tables: the live models, or unmanaged twins
        with the same fields for a copy (so the checks below are ORM queries either way)."""
        return _models(self.entries, self.heads)


@functools.cache
def _models(entries: str, heads: str) -> tuple[Any, Any]:
    live = (AuditEntry._meta.db_table, AuditHead._meta.db_table)
    if (entries, heads) == live:
        return AuditEntry, AuditHead
    return _copy_of(AuditEntry, entries), _copy_of(AuditHead, heads)


def _copy_of(model: type[models.Model], table: str) -> Any:
    meta = type("Meta", (), {"db_table": table, "managed": False, "apps": _COPIES, "app_label": "audit_copies"})
    fields = {}
    for f in model._meta.concrete_fields:
        _, _, args, kwargs = f.deconstruct()  # what Field.clone does
        fields[f.name] = type(f)(*args, **kwargs)
    return type(f"{model.__name__}_{table}", (models.Model,), {"__module__": __name__, "Meta": meta, **fields})


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


def entries_of(tables: AuditTables, chain: int, *, after: int = 0, upto: int | None = None) -> Iterator[AuditEntry]:
    """The entries of one chain with ``after < seq <= upto``, in sequence order, read in batches."""
    entry, _ = tables.models()
    qs = entry.objects.filter(chain=chain).order_by("seq")
    if upto is not None:
        qs = qs.filter(seq__lte=upto)
    last = after
    while True:
        rows = list(qs.filter(seq__gt=last)[:_BATCH])
        for row in rows:
            last = row.seq
            yield row
        if len(rows) < _BATCH:
            return


def entry_at(tables: AuditTables, chain: int, seq: int) -> AuditEntry | None:
    """The entry of ``chain`` numbered ``seq``, if there is one."""
    return next(entries_of(tables, chain, after=seq - 1, upto=seq), None)


def heads_of(tables: AuditTables) -> dict[int, tuple[int, str]]:
    """Each head's chain → (seq, hash)."""
    _, head = tables.models()
    return {int(c): (int(s), str(h)) for c, s, h in head.objects.values_list("id", "seq", "hash")}


def chains_of(tables: AuditTables) -> set[int]:
    entry, _ = tables.models()
    return {int(c) for c in entry.objects.order_by().values_list("chain", flat=True).distinct()}


def last_recorded_checkpoint(tables: AuditTables) -> int | None:
    """The number of the newest ``audit.checkpoint`` entry in the log (None: none recorded)."""
    entry, _ = tables.models()
    data = entry.objects.filter(action="audit.checkpoint").order_by("-id").values_list("data", flat=True).first()
    number = data.get("number") if isinstance(data, dict) else None
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
