"""修改密码: a signed-in user changes their password; an administrator sets a temporary one.

Every way a password is set (this change, 忘记密码 in ``password_reset``, the administrator's
form in the admin) ends every other session of the account: ``session_generation`` is raised with
the new password, so each session made before is refused from its next request on; the page that
changed it keeps its own session (``update_session_auth_hash``). API tokens are kept on a change
unless the user asks to revoke them, and revoked on a reset (see ``password_reset``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tongban.accounts.models import ApiToken, User
from tongban.accounts.services.login import login_throttle_check, login_throttle_fail, login_throttle_reset
from tongban.audit.services import audit_record
from tongban.common.access import Viewer
from tongban.common.errors import DomainError, Invalid, TooMany
from tongban.notifications.services import notify


def password_apply(
    *,
    user: User,
    password: str,
    at: dt.datetime,
    actor: Viewer | None,
    action: str,
    data: dict[str, Any],
    revoke_tokens: bool,
    must_change: bool = False,
    claim: Callable[[], bool] | None = None,
    refused: DomainError | None = None,
) -> int:
    """Check ``password`` against the policy, then set it, end every session of ``user``, revoke
    their API tokens when asked, audit ``action`` and tell the account holder. ``claim`` (a code
    being used up) runs first inside the transaction; when it returns False, ``refused`` is raised
    and nothing changes. Returns the number of tokens revoked.

    Raises Invalid (field "password") for a password the policy refuses."""
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), code="weak_password", field="password") from None
    with transaction.atomic():
        if claim is not None and not claim():
            raise refused or Invalid(_("操作未完成，请重试。"), code="conflict")
        held = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(password)
        user.session_generation = held.session_generation + 1
        user.must_change_password = must_change
        user.save(update_fields=["password", "session_generation", "must_change_password"])
        revoked = 0
        if revoke_tokens:
            revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=at).update(
                revoked_at=at
            )
        audit_record(
            action=action,
            object_type="user",
            object_id=str(user.pk),
            at=at,
            actor=actor,
            data={**data, "sessions_ended": True, "tokens_revoked": revoked},
        )
        notify(
            recipient=user,
            kind="password_changed",
            key=f"password_changed:{user.pk}:{user.session_generation}",
            params={"at": {"datetime": at.isoformat()}},
            at=at,
        )
    return revoked


def password_change(
    *, user: User, current: str, password: str, ip: str, at: dt.datetime, revoke_tokens: bool = False
) -> int:
    """The signed-in ``user`` changes their password. Throttled like a login (one counter with the
    login form: a wrong current password counts as a failed login). Every other session ends;
    the caller keeps its own (``update_session_auth_hash``). Returns the tokens revoked.

    Raises TooMany while locked out, Invalid for a wrong current password (field
    "current_password") or a new password the policy refuses (field "password")."""
    try:
        login_throttle_check(username=user.username, ip=ip)
    except TooMany:
        _audit_failure(user=user, ip=ip, at=at, reason="locked")
        raise
    if not user.check_password(current):
        login_throttle_fail(username=user.username, ip=ip)
        _audit_failure(user=user, ip=ip, at=at, reason="credentials")
        raise Invalid(
            _("当前密码不正确，请重新输入。忘记了当前密码？请退出后在登录页点“忘记密码”。"),
            code="current_password",
            field="current_password",
        )
    login_throttle_reset(username=user.username, ip=ip)
    if password == current:
        raise Invalid(_("新密码不能与当前密码相同，请换一个。"), code="same_password", field="password")
    return password_apply(
        user=user,
        password=password,
        at=at,
        actor=user,
        action="account.password_change",
        data={"ip": ip},
        revoke_tokens=revoke_tokens,
    )


def _audit_failure(*, user: User, ip: str, at: dt.datetime, reason: str) -> None:
    with transaction.atomic():
        audit_record(
            action="account.password_change_failed",
            object_type="user",
            object_id=str(user.pk),
            at=at,
            actor=user,
            data={"ip": ip, "reason": reason},
        )


def password_set_by_admin(*, user: User, at: dt.datetime, actor: Viewer) -> None:
    """After an administrator set ``user``'s password in the admin (Django's form saved it): the
    user must choose their own at next sign-in, every session of theirs ends, and they are told.
    An administrator setting their own password there is only audited."""
    own = getattr(actor, "pk", None) == user.pk
    with transaction.atomic():
        held = User.objects.select_for_update().get(pk=user.pk)
        if not own:
            user.session_generation = held.session_generation + 1
            user.must_change_password = True
            user.save(update_fields=["session_generation", "must_change_password"])
        audit_record(
            action="account.password_set",
            object_type="user",
            object_id=str(user.pk),
            at=at,
            actor=actor,
            data={"must_change": not own, "sessions_ended": not own},
        )
        notify(
            recipient=user,
            kind="password_changed",
            key=f"password_set:{user.pk}:{held.session_generation}:{at.isoformat()}",
            params={"at": {"datetime": at.isoformat()}},
            at=at,
        )
