"""Writing and verifying the audit chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction

from tongban.audit.models import AuditEntry, AuditHead
from tongban.audit.sql import Head, head_lock_free, head_move
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


def _lock_a_head() -> Head:
    """Lock the head of a chain no other transaction holds (or wait for chain 1 if all are busy).

    ``SKIP LOCKED`` never waits, and a head this transaction already holds is not skipped, so two
    writers never wait on each other in a cycle. Heads are created when first needed, that is when
    every existing one is busy. SQLite has one chain: its single writer lock already serialises
    appends there. Returns the locked head. The free head is taken by plain SQL
    (``audit.sql.head_lock_free``, with its measured gain); the rare paths are the ORM's.
    """
    n = _chains()
    if n > 1:
        head = head_lock_free(n)
        if head is None:
            AuditHead.objects.bulk_create([AuditHead(id=i) for i in range(1, n + 1)], ignore_conflicts=True)
            head = head_lock_free(n)
        if head is not None:
            return head
    wait = AuditHead.objects.select_for_update() if n > 1 else AuditHead.objects.all()
    first = wait.filter(id=1).values_list("id", "seq", "hash")
    row = first.first()
    if row is None:
        AuditHead.objects.bulk_create([AuditHead(id=1)], ignore_conflicts=True)
        row = first.get()
    return Head(*row)


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
    Three statements: lock a head, insert the entry, move the head.
    """
    entry = _entry(action=action, object_type=object_type, object_id=object_id, at=at, actor=actor, data=data)
    with transaction.atomic(savepoint=False):
        head = _lock_a_head()
        entry.chain, entry.seq, entry.prev_hash = head.id, head.seq + 1, head.hash
        entry.hash = _digest(head.hash, _fields(entry))
        entry.save(force_insert=True)
        head_move(head.id, seq=entry.seq, hash=entry.hash)
    return entry


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
