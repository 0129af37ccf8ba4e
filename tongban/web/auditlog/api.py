"""``GET /api/v1/audit/entries``: the audit log for auditors' tools, read only, with the filters of
the 审计日志 page and its keyset pages (``before``: the last id of the previous page). Labels are
in the caller's language next to the codes; every text value of ``data`` is masked once more."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Query, Router, Schema

from tongban.audit.labels import action_label, object_type_label
from tongban.audit.selectors import audit_log_page, audit_log_query
from tongban.common.errors import Forbidden, Invalid
from tongban.common.masking import mask_text
from tongban.common.params import Count, RowId
from tongban.web.auditlog.forms import FilterForm
from tongban.web.auditlog.summary import role_label
from tongban.web.auditlog.views import READERS, _filters

router = Router(tags=["audit"])


class EntryFilters(Schema):
    since: dt.date | None = None  # first day, Asia/Shanghai, inclusive
    until: dt.date | None = None  # last day, Asia/Shanghai, inclusive
    action: str = ""  # an action code, e.g. case.read
    actor: str = ""  # a user name or a real name
    object: str = ""  # an object's id as stored: a case number, a certificate number…
    role: str = ""  # a role, or "system" for the system's own entries
    outlet: str = ""  # an outlet's name (part of it) or code
    before: RowId | None = None  # the last id of the previous page
    limit: Count = 50  # entries per page, at most 200


class EntryOut(Schema):
    id: int
    at: dt.datetime
    chain: int
    seq: int
    actor_label: str
    role: str
    role_label: str
    outlet_code: str
    action: str
    action_label: str
    object_type: str
    object_type_label: str
    object_id: str
    data: dict[str, Any]
    hash: str
    prev_hash: str


class EntriesOut(Schema):
    entries: list[EntryOut]
    next_before: int | None  # pass as ``before`` for the next page; null on the last page


@router.get("/entries", response=EntriesOut, summary="Audit log entries, newest first (auditors, administrators)")
def entries(request: HttpRequest, q: Query[EntryFilters]) -> dict[str, Any]:
    if getattr(request.user, "role", None) not in READERS:
        raise Forbidden(gettext("只有审计员和管理员可以查看审计日志"))
    raw = q.dict(exclude={"before", "limit"})
    form = FilterForm({k: ("" if v is None else str(v)) for k, v in raw.items()})
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        raise Invalid(str(first))
    limit = max(1, min(int(q.limit), 200))
    page, next_before = audit_log_page(
        audit_log_query(user=request.user, filters=_filters(form)), before=q.before, per_page=limit
    )
    return {
        "entries": [
            {
                "id": e.pk,
                "at": e.at,
                "chain": e.chain,
                "seq": e.seq,
                "actor_label": mask_text(e.actor_label),
                "role": e.role,
                "role_label": role_label(e.role),
                "outlet_code": e.outlet_code,
                "action": e.action,
                "action_label": action_label(e.action),
                "object_type": e.object_type,
                "object_type_label": object_type_label(e.object_type),
                "object_id": mask_text(e.object_id),
                "data": json.loads(mask_text(json.dumps(e.data, ensure_ascii=False))),
                "hash": e.hash,
                "prev_hash": e.prev_hash,
            }
            for e in page
        ],
        "next_before": next_before,
    }
