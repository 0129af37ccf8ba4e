"""Registry writes: revealing a masked field to staff is itself audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongban.audit.services import audit_record
from tongban.common.errors import Forbidden
from tongban.common.roles import STAFF_ROLES
from tongban.registry.models import Person


def person_reveal(*, user: Any, person: Person, field: str, reason: str, now: dt.datetime) -> str:
    """Return the unmasked value of ``field`` (id_number or phone) to staff, writing an audit entry.

    Raises Forbidden for non-staff callers, for an unknown field and without a reason.
    """
    if getattr(user, "role", None) not in STAFF_ROLES:
        raise Forbidden("只有工作人员可以查看完整信息 / Only staff may reveal personal data")
    if field not in {"id_number", "phone"}:
        raise Forbidden(f"field {field!r} cannot be revealed")
    if not reason.strip():
        raise Forbidden("查看完整信息须填写事由 / A reason is required", code="reason_required")
    audit_record(
        action="person.reveal",
        object_type="person",
        object_id=str(person.pk),
        at=now,
        actor=user,
        data={"field": field, "reason": reason.strip()[:200]},
    )
    value: str = getattr(person, field)
    return value
