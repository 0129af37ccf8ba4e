"""Account writes: real-name registration, staff creation, login throttling, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tongban.accounts.models import ApiToken, User
from tongban.audit.services import audit_record
from tongban.common.errors import Conflict, Invalid, TooMany
from tongban.common.ids import InvalidIdNumber, parse_id_number
from tongban.common.roles import Department, Role
from tongban.registry.selectors import person_by_id_number


def _id_error(exc: InvalidIdNumber) -> Invalid:
    return Invalid(f"{exc.message_zh} / {exc.message_en}", code=f"id_number_{exc.code}", field="id_number")


def citizen_register(*, id_number: str, real_name: str, phone: str, password: str, now: dt.datetime) -> User:
    """Create a real-name citizen account matched to the registry.

    Raises Invalid (bad ID number, name not matching the registry, weak password) or Conflict
    (an account already exists for this ID number).
    """
    try:
        info = parse_id_number(id_number, today=now.date())
    except InvalidIdNumber as exc:
        raise _id_error(exc) from None
    person = person_by_id_number(id_number=info.number)
    if person is not None and person.name != real_name.strip():
        raise Invalid("姓名与身份证号码不一致 / The name does not match the ID number", code="name_mismatch")
    try:
        validate_password(password)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), code="weak_password", field="password") from None
    try:
        with transaction.atomic():
            user = User(
                username=info.number,
                id_number=info.number,
                real_name=real_name.strip(),
                phone=phone,
                role=Role.CITIZEN,
                person=person,
            )
            user.set_password(password)
            user.save()
            audit_record(action="account.register", object_type="user", object_id=str(user.pk), at=now, actor=user)
    except IntegrityError:
        raise Conflict("该身份证号码已注册 / An account already exists for this ID number", code="exists") from None
    return user


def staff_create(
    *,
    username: str,
    password: str,
    role: str,
    real_name: str,
    outlet: Any = None,
    department: str = "",
    now: dt.datetime,
    actor: Any = None,
    check_password: bool = True,
    supervisor: bool = False,
) -> User:
    """Create a staff account scoped to an outlet and a department (``supervisor``: the head of
    that outlet, for a clerk, or of that department, for an approver).

    Raises Invalid for an unknown role or department, a clerk without an outlet or an approver
    without a department, a head who is neither clerk nor approver.
    """
    if supervisor and role not in (Role.CLERK, Role.APPROVER):
        raise Invalid("只有窗口受理员或审批民警可以是负责人 / Only a clerk or an approver heads a scope", code="role")
    if role not in (Role.CLERK, Role.APPROVER, Role.ADMIN, Role.AUDITOR):
        raise Invalid(f"unknown staff role {role!r}", code="role")
    if department and department not in Department.values:
        raise Invalid(f"unknown department {department!r}", code="department")
    if role == Role.CLERK and outlet is None:
        raise Invalid("窗口受理员必须属于一个网点 / A clerk belongs to an outlet", code="outlet_required")
    if role == Role.APPROVER and not department:
        raise Invalid("审批民警必须属于一个部门 / An approver belongs to a department", code="department_required")
    if check_password:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise Invalid(" ".join(exc.messages), code="weak_password") from None
    with transaction.atomic():
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


def _throttle_key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.strip().upper()}|{ip}".encode()).hexdigest()[:32]
    return f"login-fail:{digest}"


def login_throttle_check(*, username: str, ip: str) -> None:
    """Refuse a login attempt while the (account, address) pair is locked out. Raises TooMany."""
    if (cache.get(_throttle_key(username, ip)) or 0) >= settings.LOGIN_FAILURE_LIMIT:
        minutes = settings.LOGIN_LOCKOUT_SECONDS // 60
        raise TooMany(
            f"登录失败次数过多，请 {minutes} 分钟后再试 / Too many failed logins; try again in {minutes} minutes"
        )


def login_throttle_fail(*, username: str, ip: str) -> None:
    """Count a failed login against the (account, address) pair."""
    key = _throttle_key(username, ip)
    try:
        cache.add(key, 0, settings.LOGIN_LOCKOUT_SECONDS)
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, settings.LOGIN_LOCKOUT_SECONDS)


def login_throttle_reset(*, username: str, ip: str) -> None:
    """Forget failures after a successful login."""
    cache.delete(_throttle_key(username, ip))


def api_token_create(*, user: User, name: str) -> str:
    """Create a bearer token and return the raw value (shown once; only its hash is kept)."""
    raw = "tb_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(raw))
    return raw
