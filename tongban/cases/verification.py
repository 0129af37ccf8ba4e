"""Uploads that stand in for a registry record (no dead ends, issue 15 point 3).

A rule may read a fact from a registry source (the clinic's vaccination record, the hospital's
medical check). When the source has no record for the person and the item allows it
(``upload_verifies`` on the material), the applicant's upload of that material stands in: the
case is filed with the material marked *awaiting verification*, a clerk or approver checks the
document and records it as verified, and the case cannot be approved before that. A rule that
fails on a record the registry does hold (an expired vaccination, a suspended licence) is not set
aside: an upload does not overrule the registry.

The mark lives in the material's ``facts`` (``upload_verification``: ``pending`` / ``verified``),
with who verified it and when; each verification is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import get_language, gettext

from tongban.audit.services import audit_record
from tongban.cases.machine import TERMINAL
from tongban.cases.models import Case, CaseMaterial, Status
from tongban.common.access import Viewer, access_get
from tongban.common.errors import Conflict, Forbidden, NotFound
from tongban.common.masking import mask_text
from tongban.common.roles import Role

PENDING, VERIFIED = "pending", "verified"
KEY = "upload_verification"
STAFF = frozenset({Role.CLERK, Role.APPROVER, Role.ADMIN})


def standins(item: Any) -> dict[str, str]:
    """registry source → the code of the material whose verified upload may stand in for it."""
    return {m.source: m.code for m in item.materials if getattr(m, "upload_verifies", False) and m.source}


def set_aside(
    item: Any, failures: list[dict[str, Any]], presented: frozenset[str] | set[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Split eligibility failures into those that stand and the materials whose upload will be
    verified instead: a failure is set aside only when every fact it lacks comes from a source
    with a stand-in material the applicant uploaded."""
    by_source = {s: c for s, c in standins(item).items() if c in presented}
    standing: list[dict[str, Any]] = []
    pending: set[str] = set()
    for f in failures:
        sources = {str(p).split(".", 1)[0] for p in f.get("missing", [])}
        if sources and sources <= set(by_source):
            pending.update(by_source[s] for s in sources)
        else:
            standing.append(f)
    return standing, sorted(pending)


def rows_mark_pending(rows: list[CaseMaterial], codes: list[str]) -> None:
    """Mark a new case's material rows (not yet written) awaiting verification."""
    for row in rows:
        if row.code in codes:
            row.facts = {**(row.facts or {}), KEY: PENDING}


def not_eligible_message(failures: list[dict[str, Any]]) -> str:
    """The refusal of an application that fails eligibility rules, in the reader's language."""
    english = (get_language() or "").lower().startswith("en")
    reasons = ("; " if english else "；").join(
        (f.get("reason_en") or f["reason_zh"]) if english else f["reason_zh"] for f in failures
    )
    return gettext("不符合申请条件：%(reasons)s") % {"reasons": reasons}


def pending_names(case: Case) -> list[str]:
    """The names of the case's uploads still awaiting verification."""
    return [
        m.name_zh for m in CaseMaterial.objects.filter(case=case).order_by("pk") if (m.facts or {}).get(KEY) == PENDING
    ]


def approval_gate(case: Case, target: str) -> None:
    """Refuse approving a case while an upload standing in for a registry record is unverified."""
    if target != Status.APPROVED:
        return
    names = pending_names(case)
    if names:
        raise Conflict(
            gettext("请先核验申请人上传的材料：%(names)s") % {"names": "、".join(names)},
            code="verification_pending",
            materials=names,
        )


def case_material_verify(*, number: str, code: str, actor: Viewer, now: dt.datetime) -> Case:
    """A clerk or approver records that they checked an uploaded stand-in and it is genuine.
    Raises Forbidden (role), NotFound (case out of scope, no such material), Conflict (closed,
    nothing awaiting verification)."""
    if getattr(actor, "role", None) not in STAFF:
        raise Forbidden(gettext("只有工作人员可以核验材料"), code="role_not_allowed")
    with transaction.atomic():
        case = access_get(actor, Case.objects.select_for_update(), write=True, number=number)
        if case.status in TERMINAL:
            raise Conflict(gettext("办件已结束"), code="case_closed")
        material = CaseMaterial.objects.filter(case=case, code=code).first()
        if material is None:
            raise NotFound(gettext("该办件没有此材料"), code="no_material")
        if (material.facts or {}).get(KEY) != PENDING:
            raise Conflict(gettext("该材料无需核验或已核验"), code="not_pending")
        material.facts = {
            **material.facts,
            KEY: VERIFIED,
            "verified_by": mask_text(str(actor))[:80],
            "verified_at": now.isoformat(),
        }
        material.updated_at = now
        material.save(update_fields=["facts", "updated_at"])
        case.updated_at = now
        case.save(update_fields=["updated_at"])
        audit_record(
            action="case.material_verified",
            object_type="case",
            object_id=case.number,
            at=now,
            actor=actor,
            data={"material": code},
        )
    return case
