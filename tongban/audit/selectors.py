"""Reading the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from tongban.audit.models import AuditEntry
from tongban.audit.services import GENESIS, _digest, _fields
from tongban.common.access import access_filter

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A staff member's read of one citizen's record (reads.py, registry, certificates) and the
# auditors' own look-ups of who read it: what 查阅记录 lists.
READ_ACTIONS = (
    "person.read",
    "person.reveal",
    "case.read",
    "photo.read",
    "certificate.view",
    "certificate.download",
    "audit.lookup",
)


def audit_entries_for(*, user: Any, object_type: str, object_id: str) -> QuerySet[AuditEntry]:
    """The history of one object, for the roles that may read the audit log."""
    return access_filter(user, AuditEntry.objects.filter(object_type=object_type, object_id=object_id))


@dataclass(frozen=True)
class AuditFilters:
    """What the audit log list is narrowed to. Days are inclusive, in Asia/Shanghai; ``actor_ids``
    and ``outlet_codes`` are already resolved from what was typed (None: no such filter)."""

    since: dt.date | None = None
    until: dt.date | None = None
    action: str = ""
    actor_ids: list[int] | None = None
    actor_label: str = ""
    object_id: str = ""
    role: str = ""
    outlet_codes: list[str] | None = None

    def q(self) -> Q:
        q = Q()
        if self.since is not None:
            q &= Q(at__gte=dt.datetime.combine(self.since, dt.time.min, tzinfo=SHANGHAI))
        if self.until is not None:
            q &= Q(at__lt=dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI))
        if self.action:
            q &= Q(action=self.action)
        if self.actor_ids is not None:
            actor = Q(actor_id__in=self.actor_ids)
            if self.actor_label:
                actor |= Q(actor_label=self.actor_label)
            q &= actor
        if self.object_id:
            q &= Q(object_id=self.object_id)
        if self.role:
            q &= Q(role="" if self.role == "system" else self.role)
        if self.outlet_codes is not None:
            q &= Q(outlet_code__in=self.outlet_codes)
        return q


def audit_log_query(*, user: Any, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """The entries matching ``filters`` that ``user`` may read (auditors and administrators: all;
    anyone else: none), newest first."""
    return access_filter(user, AuditEntry.objects.filter(filters.q())).order_by("-at", "-id")


def audit_log_page(
    qs: QuerySet[AuditEntry], *, before: int | None, per_page: int = 50
) -> tuple[list[AuditEntry], int | None]:
    """One page of ``qs`` (ordered newest first) after the entry ``before`` (keyset: no OFFSET and
    no COUNT, so page 200 costs what page 1 does). Returns (entries, the cursor of the next page or
    None on the last page)."""
    if before is not None:
        last = AuditEntry.objects.filter(pk=before).values_list("at", flat=True).first()
        if last is not None:
            # at <= last bounds the index range on ``at``; the OR only breaks ties within it.
            qs = qs.filter(Q(at__lte=last), Q(at__lt=last) | Q(id__lt=before))
    rows = list(qs[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    return rows, (rows[-1].pk if more and rows else None)


@dataclass(frozen=True)
class EntryLink:
    """How one entry sits in its chain: its neighbours and whether it links to the one before."""

    previous: AuditEntry | None
    following: AuditEntry | None
    linked: bool  # its prev_hash is the previous entry's hash (the genesis for the first)
    intact: bool  # its content still hashes to its hash


def audit_entry_link(entry: AuditEntry) -> EntryLink:
    """The entry's place in its chain, computed now from the stored rows."""
    chain = AuditEntry.objects.filter(chain=entry.chain)
    previous = chain.filter(seq=entry.seq - 1).first() if entry.seq > 1 else None
    following = chain.filter(seq=entry.seq + 1).first()
    # The first entry of a chain follows the genesis hash; any other, its predecessor's hash.
    linked = entry.prev_hash == (GENESIS if entry.seq == 1 else (previous.hash if previous else None))
    return EntryLink(
        previous=previous,
        following=following,
        linked=linked,
        intact=_digest(entry.prev_hash, _fields(entry)) == entry.hash,
    )


def audit_reads_of(
    *, user: Any, person_id: int | None, keys: dict[str, list[str]], limit: int = 500
) -> list[AuditEntry]:
    """Every read of one citizen's records, newest first: entries on their registry row
    (``person_id``) and on the objects listed in ``keys`` (object type → ids: their cases' numbers,
    their photos' ids, their certificates' numbers), read actions only. Each alternative is one
    (object_type, object_id) lookup on the object index."""
    q = Q(pk__in=[])
    if person_id is not None:
        q |= Q(object_type="person", object_id=str(person_id))
    for object_type, ids in keys.items():
        if ids:
            q |= Q(object_type=object_type, object_id__in=ids)
    qs = access_filter(user, AuditEntry.objects.filter(q, action__in=READ_ACTIONS))
    return list(qs.order_by("-at", "-id")[:limit])


def audit_last_verification(*, user: Any) -> AuditEntry | None:
    """The newest ``audit.verify`` entry: who ran the check, when, and what it found."""
    return access_filter(user, AuditEntry.objects.filter(action="audit.verify")).order_by("-id").first()
