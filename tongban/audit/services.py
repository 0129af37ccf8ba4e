"""Writing and verifying the audit chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction

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


def audit_record(
    *,
    action: str,
    object_type: str,
    object_id: str,
    at: dt.datetime,
    actor: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain inside the caller's transaction.

    ``actor`` is a user or None (system); its label is stored masked. Raises nothing of its own;
    database errors roll back the caller's write with it, which is the point.
    """
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        outlet = getattr(actor, "outlet", None) if actor is not None else None
        entry = AuditEntry(
            seq=head.seq + 1,
            at=at,
            actor_id=getattr(actor, "pk", None),
            actor_label=mask_text(str(actor))[:80] if actor is not None else "system",
            role=getattr(actor, "role", "") or "",
            outlet_code=getattr(outlet, "code", "") if outlet is not None else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=data or {},
            prev_hash=head.hash,
        )
        entry.hash = _digest(head.hash, _fields(entry))
        entry.save(force_insert=True)
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the chain: ok, how many entries, and the first problems found."""

    ok: bool
    entries: int
    problems: list[str]


def audit_verify(*, limit_problems: int = 20) -> ChainReport:
    """Recompute the chain from the start; report edits, gaps, reordering and a cut tail."""
    problems: list[str] = []
    prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (next found is {entry.seq}): deleted or inserted")
        if entry.prev_hash != prev:
            problems.append(f"entry {entry.seq} does not follow its predecessor: reordered or deleted before it")
        if _digest(entry.prev_hash, _fields(entry)) != entry.hash:
            problems.append(f"entry {entry.seq} content does not match its hash: edited")
        prev = entry.hash
        expected_seq = entry.seq + 1
        if len(problems) >= limit_problems:
            break
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and len(problems) < limit_problems and (head.seq != expected_seq - 1 or head.hash != prev):
        problems.append(
            f"the chain head says {head.seq} entries ending in {head.hash[:12]}: the tail was cut or changed"
        )
    return ChainReport(ok=not problems, entries=count, problems=problems)
