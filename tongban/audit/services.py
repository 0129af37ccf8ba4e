"""Writing and verifying the audit chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from tongban.audit.models import AuditEntry, AuditHead
from tongban.common.masking import mask_text

GENESIS = "0" * 64


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + "\n" + body).encode()).hexdigest()


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "role": entry.role,
        "outlet_code": entry.outlet_code,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "data": entry.data,
    }


def _chains() -> int:
    """How many chains writers spread over; one where the database cannot skip locked rows."""
    if not connection.features.has_select_for_update_skip_locked:
        return 1
    return max(1, int(getattr(settings, "AUDIT_CHAINS", 1)))


def _lock_a_head() -> tuple[int, int, str]:
    """Lock the head of a chain no other transaction holds (or wait for chain 1 if all are busy).

    ``SKIP LOCKED`` never waits, and a head this transaction already holds is not skipped, so two
    writers never wait on each other in a cycle. Heads are created when first needed, that is when
    every existing one is busy. SQLite has one chain: its single writer lock already serialises
    appends there. Returns (chain, seq, hash) of the locked head.
    """
    n = _chains()
    table = connection.ops.quote_name(AuditHead._meta.db_table)
    with connection.cursor() as cursor:
        if n > 1:
            free = f"SELECT id, seq, hash FROM {table} WHERE id <= %s ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"  # noqa: S608 names
            cursor.execute(free, [n])
            row = cursor.fetchone()
            if row is None:
                AuditHead.objects.bulk_create([AuditHead(id=i) for i in range(1, n + 1)], ignore_conflicts=True)
                cursor.execute(free, [n])
                row = cursor.fetchone()
            if row is not None:
                return int(row[0]), int(row[1]), str(row[2])
        wait = f"SELECT id, seq, hash FROM {table} WHERE id = 1" + (" FOR UPDATE" if n > 1 else "")  # noqa: S608 names
        cursor.execute(wait)
        row = cursor.fetchone()
        if row is None:
            AuditHead.objects.bulk_create([AuditHead(id=1)], ignore_conflicts=True)
            cursor.execute(wait)
            row = cursor.fetchone()
    return int(row[0]), int(row[1]), str(row[2])


_ENTRY_FIELDS = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]


def _append_sql() -> tuple[str, str]:
    """The entry INSERT and the head UPDATE (as one statement where the database allows)."""
    qn = connection.ops.quote_name
    entries, heads = qn(AuditEntry._meta.db_table), qn(AuditHead._meta.db_table)
    columns = ", ".join(qn(f.column) for f in _ENTRY_FIELDS)
    marks = ", ".join(["%s"] * len(_ENTRY_FIELDS))
    insert = f"INSERT INTO {entries} ({columns}) VALUES ({marks}) RETURNING id"  # noqa: S608 model names
    update = f"UPDATE {heads} SET seq = %s, hash = %s WHERE id = %s"  # noqa: S608 model names
    return insert, update


def audit_record(
    *,
    action: str,
    object_type: str,
    object_id: str,
    at: dt.datetime,
    actor: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to a chain inside the caller's transaction.

    ``actor`` is a user or None (system); its label is stored masked. The chain head stays locked
    until the caller's transaction ends, so call this as the last write of a service. Raises
    nothing of its own; database errors roll back the caller's write with it, which is the point.
    Two round trips on PostgreSQL: lock a head, then insert the entry and move the head together.
    """
    outlet = getattr(actor, "outlet", None) if actor is not None else None
    with transaction.atomic(savepoint=False):
        chain, seq, prev_hash = _lock_a_head()
        entry = AuditEntry(
            chain=chain,
            seq=seq + 1,
            at=at,
            actor_id=getattr(actor, "pk", None),
            actor_label=mask_text(str(actor))[:80] if actor is not None else "system",
            role=getattr(actor, "role", "") or "",
            outlet_code=getattr(outlet, "code", "") if outlet is not None else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=data or {},
            prev_hash=prev_hash,
        )
        entry.hash = _digest(prev_hash, _fields(entry))
        values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _ENTRY_FIELDS]
        insert, update = _append_sql()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"WITH moved AS ({update}), added AS ({insert}) SELECT id FROM added",  # noqa: S608 built above
                    [entry.seq, entry.hash, chain, *values],
                )
                entry.pk = cursor.fetchone()[0]
            else:
                cursor.execute(insert, values)
                entry.pk = cursor.fetchone()[0]
                cursor.execute(update, [entry.seq, entry.hash, chain])
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the chain: ok, how many entries, and the first problems found."""

    ok: bool
    entries: int
    problems: list[str]


def audit_verify(*, limit_problems: int = 20) -> ChainReport:
    """Recompute every chain from its start; report edits, gaps, reordering and cut tails."""
    problems: list[str] = []
    count = 0
    heads = {h.id: h for h in AuditHead.objects.all()}
    chains = sorted(set(heads) | set(AuditEntry.objects.values_list("chain", flat=True).distinct()))
    for chain in chains:
        prev = GENESIS
        expected_seq = 1
        entries = AuditEntry.objects.filter(chain=chain).order_by("seq").iterator(chunk_size=2000)
        for entry in entries:
            count += 1
            where = f"chain {chain}: entry {entry.seq}"
            if entry.seq != expected_seq:
                problems.append(
                    f"chain {chain}: entry {expected_seq} is missing (next found is {entry.seq}): deleted or inserted"
                )
            if entry.prev_hash != prev:
                problems.append(f"{where} does not follow its predecessor: reordered or deleted before it")
            if _digest(entry.prev_hash, _fields(entry)) != entry.hash:
                problems.append(f"{where} content does not match its hash: edited")
            prev = entry.hash
            expected_seq = entry.seq + 1
            if len(problems) >= limit_problems:
                return ChainReport(ok=False, entries=count, problems=problems)
        head = heads.get(chain)
        if head is None and expected_seq > 1:
            problems.append(f"chain {chain} has entries but no head: the head was deleted")
        elif head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
            problems.append(
                f"chain {chain}: the head says {head.seq} entries ending in {head.hash[:12]}: "
                "the tail was cut or changed"
            )
    return ChainReport(ok=not problems, entries=count, problems=problems)
