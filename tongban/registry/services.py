"""Registry writes: revealing a masked field to staff is limited, reasoned and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.audit.services import audit_record
from tongban.common.errors import Forbidden, Invalid, TooMany
from tongban.common.ratelimit import rate_allow
from tongban.common.roles import Role
from tongban.registry.models import Person

# Why a full number may be shown: a fixed list (the audit keeps the code and the free text).
REVEAL_REASONS = {
    "identity_check": gettext_lazy("核对申请人身份"),
    "contact_applicant": gettext_lazy("联系申请人"),
    "case_handling": gettext_lazy("办理业务需要"),
    "legal_assistance": gettext_lazy("依法协查"),
}
REVEAL_REASON_MIN_CHARS = 10
# Who may see a full number at all: auditors read the records masked, never in full.
REVEAL_ROLES = frozenset({Role.CLERK, Role.APPROVER, Role.ADMIN})


def _presence_key(user: Any, person: Any) -> str:
    return f"registry-present:{user.pk}:{person.pk}"


def person_present_mark(*, user: Any, person: Person) -> None:
    """Record that a clerk looked this person up at their window (by the full ID number, from the
    card): for REVEAL_PRESENCE_SECONDS the clerk may reveal this person's numbers."""
    if getattr(user, "role", None) == Role.CLERK:
        cache.set(_presence_key(user, person), 1, settings.REVEAL_PRESENCE_SECONDS)


def person_reveal(*, user: Any, person: Person, field: str, reason_code: str, reason: str, now: dt.datetime) -> str:
    """Return the unmasked ``field`` (id_number or phone) to staff who need it, with an audit entry.

    Only clerks (for a person they looked up at their window within REVEAL_PRESENCE_SECONDS),
    approvers and administrators; a reason from REVEAL_REASONS and an explanation of at least
    REVEAL_REASON_MIN_CHARS characters; at most REVEAL_LIMIT_PER_HOUR reveals per staff member.

    Raises Forbidden (role, no reason, clerk without the person at the window), Invalid (field,
    reason code, short explanation), TooMany (over the hourly limit).
    """
    role = getattr(user, "role", None)
    if role not in REVEAL_ROLES:
        raise Forbidden(_("您的角色不能查看完整的身份证号码或手机号码。"), code="reveal_role")
    if field not in {"id_number", "phone"}:
        raise Invalid(_("只能查看完整的身份证号码或手机号码。"), code="reveal_field")
    explanation = reason.strip()
    if not explanation:
        raise Forbidden(_("查看完整信息须选择事由并说明情况。"), code="reason_required")
    if reason_code not in REVEAL_REASONS:
        raise Invalid(_("请从列表中选择查看事由。"), code="reveal_reason_code")
    if len(explanation) < REVEAL_REASON_MIN_CHARS:
        raise Invalid(
            _("请具体说明查看原因（至少 %(n)s 个字）。") % {"n": REVEAL_REASON_MIN_CHARS}, code="reveal_reason_short"
        )
    if role == Role.CLERK and not cache.get(_presence_key(user, person)):
        raise Forbidden(
            _("窗口受理员只能查看正在本窗口办理业务的群众的完整信息：请先在工作台读取其身份证。"),
            code="reveal_not_present",
        )
    if not rate_allow(scope="reveal", subject=str(user.pk), limit=settings.REVEAL_LIMIT_PER_HOUR, window=3600):
        raise TooMany(_("本小时查看完整信息的次数已达上限，请稍后再试。"), code="reveal_rate_limited")
    with transaction.atomic():
        audit_record(
            action="person.reveal",
            object_type="person",
            object_id=str(person.pk),
            at=now,
            actor=user,
            data={"field": field, "reason_code": reason_code, "reason": explanation[:200]},
        )
    value: str = getattr(person, field)
    return value
