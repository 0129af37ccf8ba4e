"""Staff accounts: created scoped to an outlet and a department."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from tongban.accounts.models import User
from tongban.audit.services import audit_record
from tongban.common.access import Viewer
from tongban.common.errors import Invalid
from tongban.common.roles import Department, Role


def staff_create(
    *,
    username: str,
    password: str,
    role: str,
    real_name: str,
    outlet: Any = None,
    department: str = "",
    now: dt.datetime,
    actor: Viewer | None = None,
    check_password: bool = True,
    supervisor: bool = False,
) -> User:
    """Create a staff account scoped to an outlet and a department (``supervisor``: the head of
    that outlet, for a clerk, or of that department, for an approver).

    Raises Invalid for an unknown role or department, a clerk without an outlet or an approver
    without a department, a head who is neither clerk nor approver.
    """
    if supervisor and role not in (Role.CLERK, Role.APPROVER):
        raise Invalid(gettext("只有窗口受理员或审批民警可以是负责人"), code="role")
    if role not in (Role.CLERK, Role.APPROVER, Role.ADMIN, Role.AUDITOR):
        raise Invalid(f"unknown staff role {role!r}", code="role")
    if department and department not in Department.values:
        raise Invalid(f"unknown department {department!r}", code="department")
    if role == Role.CLERK and outlet is None:
        raise Invalid(gettext("窗口受理员必须属于一个网点"), code="outlet_required")
    if role == Role.APPROVER and not department:
        raise Invalid(gettext("审批民警必须属于一个部门"), code="department_required")
    user = User(
        username=username,
        role=role,
        real_name=real_name,
        outlet=outlet,
        department=department,
        supervisor=supervisor,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if check_password:
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise Invalid(" ".join(exc.messages), code="weak_password") from None
    with transaction.atomic():
        user.set_password(password)
        user.save()
        audit_record(
            action="account.staff_create",
            object_type="user",
            object_id=str(user.pk),
            at=now,
            actor=actor,
            data={"role": role, "department": department, **({"supervisor": True} if supervisor else {})},
        )
    return user
