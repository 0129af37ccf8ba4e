"""Real-name registration that proves possession of the phone, or of the ID card at a window.

Online: step 1 takes an ID number and a name; when they match a registry person who has a phone,
a one-time code goes by SMS to the phone the REGISTRY holds. Step 2 takes the code and a
password and opens the account. Every answer of step 1 is the same, whether the ID number is
unknown, the name wrong or no phone held: an attempt row is written either way, and a code that
could match exists only when a message was sent.

At a window: a clerk who has checked the ID card issues an activation code (shown once, handed
over on paper); the citizen opens the account with ID number, code and password.

Codes are single-use, expire, allow REGISTRATION_CODE_ATTEMPTS tries, and both steps are rate
limited per client address and per ID number. Only HMACs of tokens and codes are stored.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from tongban.accounts.models import CodePurpose, RegistrationCode, RegistrationVia, User
from tongban.audit.services import audit_record
from tongban.common.errors import Conflict, Forbidden, Invalid, TooMany
from tongban.common.masking import mask_id_number, mask_name
from tongban.common.ratelimit import rate_allow
from tongban.common.roles import Role
from tongban.notifications.services import notify
from tongban.registry.selectors import person_by_id_number, person_get

# a sent code's notification key: kind → prefix (the keys already written keep their form)
KEY_PREFIX = {"registration_code": "registration", "password_reset_code": "password_reset"}
_WINDOW_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed from paper


def _hash(value: str) -> str:
    return salted_hmac("tongban.accounts.registration", value, algorithm="sha256").hexdigest()


def _too_many() -> TooMany:
    return TooMany(
        _("尝试次数过多，请一小时后再试，或携带身份证到任一服务窗口办理注册。"), code="registration_rate_limited"
    )


def _limit(step: str, *, ip: str, id_number: str | None) -> None:
    """Count one attempt of ``step`` per client address and per ID number. Raises TooMany."""
    by_ip = rate_allow(scope=f"register-{step}-ip", subject=ip, limit=settings.REGISTER_LIMIT_PER_IP, window=3600)
    by_id = id_number is None or rate_allow(
        scope=f"register-{step}-id", subject=id_number, limit=settings.REGISTER_LIMIT_PER_ID, window=3600
    )
    if not (by_ip and by_id):
        raise _too_many()


def _same_name(held: str, given: str) -> bool:
    def fold(name: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))

    return bool(given.strip()) and fold(held) == fold(given)


def registration_start(*, id_number: str, real_name: str, ip: str, at: dt.datetime, language: str) -> str:
    """Step 1 of online registration for a valid (already parsed) ID number. Returns the
    attempt's token, which step 2 needs (keep it in the session).

    A code is sent by SMS to the phone the registry holds when the ID number and the name match
    a registry person who has one; the caller cannot tell whether that happened. Raises TooMany.
    """
    _limit("start", ip=ip, id_number=id_number)
    person = person_by_id_number(id_number=id_number)
    matched = person is not None and _same_name(person.name, real_name) and bool(person.phone)
    return sms_code_send(
        purpose=CodePurpose.REGISTER,
        id_number=id_number,
        person=person if matched else None,
        ip=ip,
        at=at,
        language=language,
        action="account.register_start",
        kind="registration_code",
        salt="",
    )


def sms_code_send(
    *,
    purpose: str,
    id_number: str,
    person: Any,
    ip: str,
    at: dt.datetime,
    language: str,
    action: str,
    kind: str,
    salt: str,
) -> str:
    """Record one attempt at an SMS code (registration or reset) with its audit entry, and send the
    code to ``person`` (None: nothing matched, nothing is sent and no code can ever match). Returns
    the attempt's token for step 2. ``salt`` keeps one purpose's codes from hashing like another's;
    ``kind`` is the notification sent, also the prefix of its once-only key."""
    token = secrets.token_urlsafe(24)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        row = RegistrationCode.objects.create(
            via=RegistrationVia.SMS,
            purpose=purpose,
            token_hash=_hash(token),
            id_number=id_number,
            person=person,
            # unmatched: the hash of a random value nobody knows, so no code can ever match
            code_hash=_hash(f"{salt}{token}:{code}" if person is not None else secrets.token_hex(16)),
            created_at=at,
            expires_at=at + dt.timedelta(seconds=settings.REGISTRATION_CODE_SECONDS),
        )
        audit_record(
            action=action,
            object_type="registration",
            object_id=str(row.pk),
            at=at,
            data={"id_number": mask_id_number(id_number), "ip": ip, "code_sent": person is not None},
        )
        if person is not None:
            notify(
                recipient=person,
                kind=kind,
                key=f"{KEY_PREFIX[kind]}:{row.pk}",
                params={"code": code, "minutes": settings.REGISTRATION_CODE_SECONDS // 60},
                at=at,
                channels=("sms",),
                language=language,
            )
    return token


def registration_finish(
    *, token: str, code: str, password: str, phone: str, ip: str, at: dt.datetime, language: str
) -> User:
    """Step 2 of online registration: the SMS code and a password open the account.

    Raises TooMany, Invalid (wrong, used or expired code; a weak password, field "password"),
    Conflict (the person already has an account)."""
    row = RegistrationCode.objects.filter(
        token_hash=_hash(token or "-"), via=RegistrationVia.SMS, purpose=CodePurpose.REGISTER
    ).first()
    _limit("finish", ip=ip, id_number=row.id_number if row is not None else None)
    wrong = Invalid(
        _("验证码不正确或已过期。请核对短信后重试，或重新获取验证码；多次失败请携带身份证到任一服务窗口办理。"),
        code="registration_code",
        field="code",
    )
    if row is None:
        raise wrong
    return _redeem(
        row=row,
        presented=_hash(f"{token}:{code.strip()}"),
        wrong=wrong,
        password=password,
        phone=phone,
        at=at,
        language=language,
    )


def _redeem(
    *, row: RegistrationCode, presented: str, wrong: Invalid, password: str, phone: str, at: dt.datetime, language: str
) -> User:
    """Check a code against its row (counting the try) and open the account."""
    with transaction.atomic():
        row = RegistrationCode.objects.select_for_update().get(pk=row.pk)
        usable = row.used_at is None and row.expires_at > at and row.attempts < settings.REGISTRATION_CODE_ATTEMPTS
        matches = usable and row.person_id is not None and constant_time_compare(row.code_hash, presented)
        if not matches:
            RegistrationCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
    if not matches:
        raise wrong
    person = person_by_id_number(id_number=row.id_number)
    if person is None or person.pk != row.person_id:
        raise wrong
    user = User(
        username=person.id_number,
        id_number=person.id_number,
        real_name=person.name,
        phone=phone or person.phone,
        role=Role.CITIZEN,
        person=person,
        language=language,
    )
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), code="weak_password", field="password") from None
    exists = Conflict(
        _("该身份证号码已开通账号，请直接登录。忘记密码可在登录页点“忘记密码”找回。"), code="account_exists"
    )
    if User.objects.filter(Q(id_number=person.id_number) | Q(person=person)).exists():
        raise exists
    try:
        with transaction.atomic():
            claimed = RegistrationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=at)
            if not claimed:  # the same code redeemed by a concurrent request
                raise wrong
            user.set_password(password)
            user.save()
            audit_record(
                action="account.register",
                object_type="user",
                object_id=str(user.pk),
                at=at,
                actor=user,
                data={"via": row.via, "registration": row.pk},
            )
            notify(
                recipient=user,
                kind="account_created",
                key=f"account_created:{user.pk}",
                params={"at": {"datetime": at.isoformat()}},
                at=at,
            )
    except IntegrityError:
        raise exists from None
    return user


def _fold_code(code: str) -> str:
    return re.sub(r"[\s\-]+", "", unicodedata.normalize("NFKC", code or "")).upper()


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """An activation code as the clerk hands it over (the only time it is shown)."""

    code: str
    expires_at: dt.datetime
    name: str
    purpose: str = "register"  # CodePurpose: open an account, or set a new password of an existing one


def window_code_issue(*, clerk: Any, id_number: str, at: dt.datetime) -> IssuedCode:
    """A clerk who has checked the person's ID card issues a one-time code (returned once; valid
    WINDOW_CODE_HOURS): an activation code with which the person opens their account online, or,
    when they already have a citizen account, a reset code with which they set a new password
    (``IssuedCode.purpose``). Earlier unused window codes of the person stop working.

    Raises Forbidden (not a window clerk), NotFound (no such person in the registry), Conflict
    (the person's account is a staff account: its administrator resets it)."""
    if getattr(clerk, "role", None) != Role.CLERK:
        raise Forbidden(_("只有窗口受理员可以办理窗口注册。"), code="window_only")
    person = person_get(user=clerk, id_number=id_number)
    account = User.objects.filter(Q(id_number=person.id_number) | Q(person=person)).first()
    if account is not None and account.role not in (Role.CITIZEN, Role.ENTERPRISE):
        raise Conflict(
            _("此人的账号是工作人员账号，不能在窗口重置密码，请让其联系本单位的系统管理员。"), code="staff_account"
        )
    purpose = CodePurpose.REGISTER if account is None else CodePurpose.RESET
    code = "".join(secrets.choice(_WINDOW_ALPHABET) for _ in range(8))
    with transaction.atomic():
        RegistrationCode.objects.filter(
            via=RegistrationVia.WINDOW, id_number=person.id_number, used_at__isnull=True
        ).update(used_at=at)
        row = RegistrationCode.objects.create(
            via=RegistrationVia.WINDOW,
            purpose=purpose,
            token_hash=_hash(secrets.token_urlsafe(24)),
            id_number=person.id_number,
            person=person,
            code_hash=_hash(f"window:{person.id_number}:{code}"),
            created_at=at,
            expires_at=at + dt.timedelta(hours=settings.WINDOW_CODE_HOURS),
            issued_by=clerk,
        )
        audit_record(
            action="account.window_code_issue",
            object_type="person",
            object_id=str(person.pk),
            at=at,
            actor=clerk,
            data={"registration": row.pk, "purpose": purpose},
        )
    return IssuedCode(
        code=f"{code[:4]}-{code[4:]}", expires_at=row.expires_at, name=mask_name(person.name), purpose=purpose
    )


def window_code_row(*, id_number: str, purpose: str) -> RegistrationCode | None:
    """The newest unused window code issued for this ID number and purpose (registration or reset)."""
    return (
        RegistrationCode.objects.filter(
            via=RegistrationVia.WINDOW, purpose=purpose, id_number=id_number, used_at__isnull=True
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def window_code_redeem(
    *, id_number: str, code: str, password: str, phone: str, ip: str, at: dt.datetime, language: str
) -> User:
    """Open an account with the activation code a window issued for this ID number.

    Raises TooMany, Invalid (wrong, used or expired code; a weak password), Conflict."""
    _limit("window", ip=ip, id_number=id_number)
    wrong = Invalid(
        _("身份证号码或激活码不正确，或激活码已过期。请核对后重试，或回到服务窗口重新领取。"),
        code="activation_code",
        field="code",
    )
    row = window_code_row(id_number=id_number, purpose=CodePurpose.REGISTER)
    if row is None:
        raise wrong
    presented = _hash(f"window:{id_number}:{_fold_code(code)}")
    return _redeem(row=row, presented=presented, wrong=wrong, password=password, phone=phone, at=at, language=language)
