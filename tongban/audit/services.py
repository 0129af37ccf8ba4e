"""Writing and verifying the audit chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction

from tongban.audit.models import AuditEntry, AuditHead
from tongban.common.access import Viewer
from tongban.common.masking import mask_text

if TYPE_CHECKING:
    from django.core.files.storage import Storage

    from tongban.audit.verify import AuditTables

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


def _entry(
    *, action: str, object_type: str, object_id: str, at: dt.datetime, actor: Viewer | None, data: dict[str, Any] | None
) -> AuditEntry:
    """The entry's content; its chain, seq and hashes come from the head it is appended to."""
    outlet = getattr(actor, "outlet", None) if actor is not None else None
    return AuditEntry(
        at=at,
        actor_id=getattr(actor, "pk", None),
        actor_label=mask_text(str(actor))[:80] if actor is not None else "system",
        role=getattr(actor, "role", "") or "",
        outlet_code=getattr(outlet, "code", "") if outlet is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=data or {},
    )


def audit_record(
    *,
    action: str,
    object_type: str,
    object_id: str,
    at: dt.datetime,
    actor: Viewer | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to a chain inside the caller's transaction.

    ``actor`` is a user or None (system); its label is stored masked. The chain head stays locked
    until the caller's transaction ends, so call this as the last write of a service. Raises
    nothing of its own; database errors roll back the caller's write with it, which is the point.
    Two round trips on PostgreSQL: lock a head, then insert the entry and move the head together.
    (``audit_append_sql`` makes the append part of the caller's own statement instead.)
    """
    entry = _entry(action=action, object_type=object_type, object_id=object_id, at=at, actor=actor, data=data)
    with transaction.atomic(savepoint=False):
        chain, seq, prev_hash = _lock_a_head()
        entry.chain, entry.seq, entry.prev_hash = chain, seq + 1, prev_hash
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
class AuditAppend:
    """One entry appended by the caller's own PostgreSQL statement, in three pieces of SQL.

    The caller writes ``WITH {head}, <its own CTEs>, {tail} SELECT ...`` with the parameters in that
    order (``head_params``, its own, ``tail_params``), and makes its first write read ``FROM {gate}``
    (one row while a head is locked). With every chain busy the gate is empty: nothing is written,
    ``{added}`` has no row, and the caller falls back to its own transaction and ``audit_record``.
    Otherwise ``{added}`` yields the new entry's id: the entry and the caller's rows are one
    statement, so they commit together, without a BEGIN and COMMIT of their own.
    """

    head: str
    head_params: list[Any]
    tail: str
    tail_params: list[Any]
    gate: str = "audit_head"
    added: str = "audit_added"


# The entry's sorted-key JSON ends with "seq" (every other key sorts before it), so the database can
# finish the text the hash covers: the prefix up to '"seq":' (made here), the new seq and '}'.
_LAST_KEY = "seq"


def _body_prefix(entry: AuditEntry) -> str:
    fields = _fields(entry)
    del fields[_LAST_KEY]
    if max(fields) >= _LAST_KEY:  # a new key sorting after "seq" would need another split
        raise RuntimeError("audit entry keys must sort before 'seq'")
    body = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return body[:-1] + f',"{_LAST_KEY}":'


_SQL_FIELDS = [f for f in _ENTRY_FIELDS if f.attname not in ("chain", "seq", "prev_hash", "hash")]
_APPEND_SQL: dict[str, tuple[str, str]] = {}


def _append_parts() -> tuple[str, str]:
    hit = _APPEND_SQL.get(connection.alias)
    if hit is not None:
        return hit
    qn = connection.ops.quote_name
    entries, heads = qn(AuditEntry._meta.db_table), qn(AuditHead._meta.db_table)
    # Names come from the models' metadata and every value is a parameter; the types are cast
    # without their modifiers, so an over-long value is refused by the INSERT, not cut.
    bare = [re.sub(r"\(.*\)", "", str(f.db_type(connection))) for f in _SQL_FIELDS]
    head = (
        "audit_head AS MATERIALIZED ("  # noqa: S608 names from the model
        f"SELECT id, seq, hash FROM {heads} WHERE id <= %s ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
    )
    # The hash as _digest makes it: sha256 of prev_hash, a newline and the entry's JSON text.
    digest = "encode(sha256(convert_to(a.hash || chr(10) || %s || (a.seq + 1)::text || '}', 'UTF8')), 'hex')"
    columns = ", ".join(qn(f.column) for f in _ENTRY_FIELDS)
    picks = []
    for f in _ENTRY_FIELDS:
        if f.attname in ("chain", "seq", "prev_hash", "hash"):
            picks.append({"chain": "m.id", "seq": "m.seq", "prev_hash": "m.prev", "hash": "m.hash"}[f.attname])
        else:
            picks.append(f"%s::{bare[_SQL_FIELDS.index(f)]}")
    tail = (
        f"audit_moved AS (UPDATE {heads} h SET seq = a.seq + 1, hash = {digest} FROM audit_head a "  # noqa: S608
        "WHERE h.id = a.id RETURNING h.id, h.seq, h.hash, a.hash AS prev), "
        f"audit_added AS (INSERT INTO {entries} ({columns}) SELECT {', '.join(picks)} FROM audit_moved m "
        "RETURNING id)"
    )
    hit = _APPEND_SQL[connection.alias] = (head, tail)
    return hit


def audit_append_sql(
    *,
    action: str,
    object_type: str,
    object_id: str,
    at: dt.datetime,
    actor: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditAppend | None:
    """The pieces to append one entry inside the caller's own statement (see ``AuditAppend``).

    None where the database cannot do it in one statement (no ``SKIP LOCKED``: SQLite); the
    caller then uses ``audit_record``. The entry is the one ``audit_record`` would write, and
    ``tongban audit verify`` checks it the same way.
    """
    if connection.vendor != "postgresql" or not connection.features.has_select_for_update_skip_locked:
        return None
    entry = _entry(action=action, object_type=object_type, object_id=object_id, at=at, actor=actor, data=data)
    head, tail = _append_parts()
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _SQL_FIELDS]
    return AuditAppend(head=head, head_params=[_chains()], tail=tail, tail_params=[_body_prefix(entry), *values])


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the chain: ok, how many entries, and the first problems found."""

    ok: bool
    entries: int
    problems: list[str]


def audit_verify(
    *,
    limit_problems: int = 20,
    tables: AuditTables | None = None,
    checkpoints: Storage | str | None = None,
    keys: str | None = None,
    require_checkpoint: bool | None = None,
) -> ChainReport:
    """Recompute every chain from its start and pin it to the newest signed checkpoint.

    Reports edits, gaps, reordering, cut tails and moved heads; with a checkpoint also rewrites
    with recomputed hashes, truncation below it and a wiped log (``tongban.audit.verify``).
    ``tables``: an ``AuditTables`` copy instead of the live log; ``checkpoints``: a storage or a
    local directory of checkpoints (default the configured export); ``keys``: a copy of the audit
    ``keys.json``. Without any checkpoint the chains alone are checked, which is a problem only when
    ``require_checkpoint`` (default ``settings.AUDIT_CHECKPOINT_REQUIRED``). Raises nothing of its
    own: an unreadable or forged checkpoint is reported as a problem.
    """
    from django.core.files.storage import Storage

    from tongban.audit.checkpoints import CheckpointInvalid, checkpoint_latest, checkpoint_locate, checkpoint_storage
    from tongban.audit.keys import audit_public_keys
    from tongban.audit.verify import LIVE, verify_log
    from tongban.certificates.core.keys import KeyMaterialError

    storage = checkpoints if isinstance(checkpoints, Storage) else checkpoint_storage(checkpoints)
    found: list[str] = []
    notes: list[str] = []
    checkpoint = None
    try:
        checkpoint = checkpoint_latest(storage=storage, keys=audit_public_keys(keys))
    except (CheckpointInvalid, KeyMaterialError) as exc:
        found.append(f"the newest signed checkpoint cannot be used: {exc}")
    except Exception as exc:  # an unreachable export (a file system, an object store) is a finding too
        found.append(f"the checkpoints or their keys cannot be read: {type(exc).__name__}: {exc}")
    else:
        required = settings.AUDIT_CHECKPOINT_REQUIRED if require_checkpoint is None else require_checkpoint
        if checkpoint is None:
            message = "no signed checkpoint in the checkpoint storage: run `tongban audit checkpoint`"
            (found if required else notes).append(message)
    report = verify_log(
        tables=tables or LIVE,
        checkpoint=checkpoint,
        checkpoint_problems=found,
        notes=notes,
        limit_problems=limit_problems,
    )
    for chain in report.rewritten:  # narrow a rewrite down with the earlier checkpoints
        where = checkpoint_locate(storage=storage, keys=audit_public_keys(keys), tables=tables or LIVE, chain=chain)
        if where is not None:
            report.problems.append(where)
    return report
