"""忘记密码: a citizen who forgot their password proves possession again, as at registration.

Online: step 1 takes an ID number and a name; when they match a registry person who has a phone
AND a citizen or enterprise account that is active, a one-time code goes by SMS to the phone the
REGISTRY holds. Every answer of step 1 is the same, whatever matched (an unknown ID number, a
wrong name, no phone, no account, a staff account): nobody can learn from it which ID numbers have
accounts. Step 2 takes the code and a new password.

At a window: a clerk who has checked the ID card issues a code (``window_code_issue`` gives a
reset code when the person already has an account); the citizen sets a new password with it.

Codes are the registration codes (RegistrationCode, purpose reset): the same lifetime, tries,
hashing and rate limits (counted separately from registration). A reset ends every session of the
account, revokes its API tokens (whoever knew the old password may have made one) and tells the
account holder by SMS and in their inbox.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from tongban.accounts.models import CodePurpose, RegistrationCode, RegistrationVia, User
from tongban.accounts.services.password import password_apply
from tongban.accounts.services.registration import _fold_code, _hash, _same_name, sms_code_send, window_code_row
from tongban.common.errors import Invalid, TooMany
from tongban.common.ratelimit import rate_allow
from tongban.common.roles import Role
from tongban.registry.selectors import person_by_id_number

SELF_SERVICE_ROLES = (Role.CITIZEN, Role.ENTERPRISE)


def _limit(step: str, *, ip: str, id_number: str | None) -> None:
    """Count one attempt of ``step`` per client address and per ID number (registration's limits,
    counters of their own). Raises TooMany."""
    by_ip = rate_allow(scope=f"reset-{step}-ip", subject=ip, limit=settings.REGISTER_LIMIT_PER_IP, window=3600)
    by_id = id_number is None or rate_allow(
        scope=f"reset-{step}-id", subject=id_number, limit=settings.REGISTER_LIMIT_PER_ID, window=3600
    )
    if not (by_ip and by_id):
        raise TooMany(
            _("尝试次数过多，请一小时后再试，或携带身份证到任一服务窗口重置密码。"), code="reset_rate_limited"
        )


def _account(id_number: str) -> User | None:
    """The citizen or enterprise account of this ID number that may reset its password online."""
    user = User.objects.filter(Q(id_number=id_number) | Q(person__id_number=id_number)).first()
    if user is None or user.role not in SELF_SERVICE_ROLES or not user.is_active:
        return None
    return user


def password_reset_start(*, id_number: str, real_name: str, ip: str, at: dt.datetime, language: str) -> str:
    """Step 1 of 忘记密码 for a valid (already parsed) ID number. Returns the attempt's token,
    which step 2 needs (keep it in the session). Raises TooMany.

    The code goes by SMS to the registry's phone only when the name matches and the person has
    an active citizen or enterprise account; the caller cannot tell whether that happened."""
    _limit("start", ip=ip, id_number=id_number)
    person = person_by_id_number(id_number=id_number)
    account = _account(id_number)
    matched = (
        person is not None
        and account is not None
        and account.person_id in (None, person.pk)
        and _same_name(person.name, real_name)
        and bool(person.phone)
    )
    return sms_code_send(
        purpose=CodePurpose.RESET,
        id_number=id_number,
        person=person if matched else None,
        ip=ip,
        at=at,
        language=language,
        action="account.password_reset_start",
        kind="password_reset_code",
        salt="reset:",
    )


def password_reset_finish(*, token: str, code: str, password: str, ip: str, at: dt.datetime) -> User:
    """Step 2 of 忘记密码: the SMS code and a new password. Raises TooMany, Invalid (a wrong,
    used or expired code, field "code"; a weak password, field "password")."""
    row = RegistrationCode.objects.filter(
        token_hash=_hash(token or "-"), via=RegistrationVia.SMS, purpose=CodePurpose.RESET
    ).first()
    _limit("finish", ip=ip, id_number=row.id_number if row is not None else None)
    wrong = Invalid(
        _("验证码不正确或已过期。请核对短信后重试，或重新获取验证码；多次失败请携带身份证到任一服务窗口办理。"),
        code="registration_code",
        field="code",
    )
    if row is None:
        raise wrong
    return _redeem(row=row, presented=_hash(f"reset:{token}:{code.strip()}"), wrong=wrong, password=password, at=at)


def window_reset_redeem(*, id_number: str, code: str, password: str, ip: str, at: dt.datetime) -> User:
    """Set a new password with the reset code a window issued for this ID number.
    Raises TooMany, Invalid (a wrong, used or expired code; a weak password)."""
    _limit("window", ip=ip, id_number=id_number)
    wrong = Invalid(
        _("身份证号码或重置码不正确，或重置码已过期。请核对后重试，或回到服务窗口重新领取。"),
        code="reset_code",
        field="code",
    )
    row = window_code_row(id_number=id_number, purpose=CodePurpose.RESET)
    if row is None:
        raise wrong
    presented = _hash(f"window:{id_number}:{_fold_code(code)}")
    return _redeem(row=row, presented=presented, wrong=wrong, password=password, at=at)


def _redeem(*, row: RegistrationCode, presented: str, wrong: Invalid, password: str, at: dt.datetime) -> User:
    """Check a code against its row (counting the try), then set the password and use the code."""
    with transaction.atomic():
        locked = RegistrationCode.objects.select_for_update().get(pk=row.pk)
        usable = (
            locked.used_at is None and locked.expires_at > at and locked.attempts < settings.REGISTRATION_CODE_ATTEMPTS
        )
        matches = usable and locked.person_id is not None and constant_time_compare(locked.code_hash, presented)
        if not matches:
            RegistrationCode.objects.filter(pk=row.pk).update(attempts=locked.attempts + 1)
    user = _account(row.id_number) if matches else None
    if user is None or user.person_id not in (None, row.person_id):
        raise wrong
    with transaction.atomic():
        # checks the policy first (a weak password keeps the code), then claims the code
        password_apply(
            user=user,
            password=password,
            at=at,
            actor=user,
            action="account.password_reset",
            data={"via": row.via, "registration": row.pk},
            revoke_tokens=True,
            claim=lambda: RegistrationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=at) == 1,
            refused=wrong,
        )
    return user
