"""Issuing the result of an approved case (the system's move after approval)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from tongban.audit.services import audit_record
from tongban.cases.models import Case, Status
from tongban.cases.outcomes import result_certificate
from tongban.cases.selectors import item_spec
from tongban.cases.services.moves import _apply, _locked
from tongban.common.errors import Conflict


def case_result_issue(*, number: str, now: dt.datetime) -> Case:
    """Issue the result of an approved case (system actor): an e-certificate through
    ``tongban.certificates`` for certificate items, then ``result_issued``; electronic results
    (certificates, notices) count as received at once (``completed``), a physical document waits
    for hand-over. Raises NotFound, Conflict (not approved).
    """
    with transaction.atomic():
        case = _locked(number=number, actor=None)
        if case.status != Status.APPROVED:
            raise Conflict((gettext("办件 %(number)s 未处于已批准状态") % {"number": number}), code="not_approved")
        item = item_spec(code=case.item_code, version=case.item_version)
        data: dict[str, Any] = {"kind": item.result.kind}
        if item.result.kind == "certificate":
            case.result_reference = result_certificate(case=case, item=item, now=now)
            case.save(update_fields=["result_reference"])
            data["certificate"] = case.result_reference
        _apply(case, target=Status.RESULT_ISSUED, actor=None, now=now, data=data)
        if item.result.kind in ("certificate", "notice"):
            _apply(case, target=Status.COMPLETED, actor=None, now=now, data={"electronic": True})
        audit_record(
            action="case.result_issued",
            object_type="case",
            object_id=case.number,
            at=now,
            actor=None,
            data={**data, "status": case.status},
        )
    return case
