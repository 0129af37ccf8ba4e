"""Signing in and out: throttled, audited logins (site and admin alike) and ending sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tongban.accounts.models import User
from tongban.audit.services import audit_record
from tongban.common.access import Viewer
from tongban.common.errors import Invalid, TooMany
from tongban.common.ids import looks_like_id_number, normalise
from tongban.common.masking import mask_id_number


def _throttle_key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.strip().upper()}|{ip}".encode()).hexdigest()[:32]
    return f"login-fail:{digest}"


def login_throttle_check(*, username: str, ip: str) -> None:
    """Refuse a login attempt while the (account, address) pair is locked out. Raises TooMany."""
    if (cache.get(_throttle_key(username, ip)) or 0) >= settings.LOGIN_FAILURE_LIMIT:
        minutes = settings.LOGIN_LOCKOUT_SECONDS // 60
        raise TooMany(_("登录失败次数过多，请 %(minutes)s 分钟后再试。") % {"minutes": minutes}, code="login_locked")


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


def _who(username: str) -> str:
    """The attempted account as the audit log keeps it (an ID number masked)."""
    return mask_id_number(normalise(username)) if looks_like_id_number(username) else username[:64]


def login_attempt(*, request: Any, username: str, password: str, ip: str, at: dt.datetime, via: str = "site") -> User:
    """Check a username and password: throttled per (account, address) after
    LOGIN_FAILURE_LIMIT failures, and audited whatever the outcome (``via``: site or admin).

    Raises TooMany while locked out, Invalid for a wrong password or an unknown account (one
    message for both)."""
    try:
        login_throttle_check(username=username, ip=ip)
    except TooMany:
        _audit_failure(username=username, ip=ip, at=at, via=via, reason="locked")
        raise
    user = authenticate(request, username=username, password=password)
    if user is None:
        login_throttle_fail(username=username, ip=ip)
        _audit_failure(username=username, ip=ip, at=at, via=via, reason="credentials")
        raise Invalid(_("账号或密码错误"), code="login_failed")
    login_throttle_reset(username=username, ip=ip)
    with transaction.atomic():
        audit_record(
            action="account.login",
            object_type="user",
            object_id=str(user.pk),
            at=at,
            actor=user,
            data={"via": via, "ip": ip},
        )
    return cast(User, user)


def _audit_failure(*, username: str, ip: str, at: dt.datetime, via: str, reason: str) -> None:
    with transaction.atomic():
        audit_record(
            action="account.login_failed",
            object_type="user",
            object_id=_who(username),
            at=at,
            data={"via": via, "ip": ip, "reason": reason},
        )


def second_factor_record(*, user: Any, ok: bool, at: dt.datetime) -> None:
    """Audit a TOTP check at sign-in (passed or failed)."""
    with transaction.atomic():
        audit_record(
            action="account.totp_verify" if ok else "account.totp_failed",
            object_type="user",
            object_id=str(user.pk),
            at=at,
            actor=user,
        )


def logout_record(*, user: Any, at: dt.datetime) -> None:
    """Audit a sign-out (the view deletes the session)."""
    with transaction.atomic():
        audit_record(action="account.logout", object_type="user", object_id=str(user.pk), at=at, actor=user)


def sessions_end_all(*, user: Any, at: dt.datetime, actor: Viewer, reason: str) -> None:
    """End every session of ``user`` at once (each is refused from its next request on), e.g.
    "sign out everywhere", or when the account is disabled. ``reason`` is kept in the audit."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        audit_record(
            action="account.sessions_end",
            object_type="user",
            object_id=str(user.pk),
            at=at,
            actor=actor,
            data={"reason": reason},
        )
    user.refresh_from_db(fields=["session_generation"])


def account_disable(*, user: Any, at: dt.datetime, actor: Viewer) -> None:
    """Disable an account: it can no longer sign in or use its tokens, and its sessions end."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False, session_generation=F("session_generation") + 1)
        audit_record(action="account.disable", object_type="user", object_id=str(user.pk), at=at, actor=actor)
    user.refresh_from_db(fields=["is_active", "session_generation"])


def user_language_set(*, user: Any, language: str) -> None:
    """Remember the language the user reads (messages are written in it). No audit: a preference."""
    codes = {code for code, _name in settings.LANGUAGES}
    if language in codes and getattr(user, "language", None) != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
