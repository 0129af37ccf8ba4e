"""accounts/sql.py answers as the ORM does (run on SQLite by make test, on PostgreSQL in CI): the
session's user with its second-factor and unread answers, and the user behind a bearer token."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Model

from tongban.accounts.models import ApiToken, User
from tongban.accounts.selectors import user_by_api_token, user_by_pk
from tongban.accounts.services import api_token_create, api_token_revoke
from tongban.notifications.models import Message
from tongban.notifications.selectors import UNREAD_CAP

pytestmark = pytest.mark.django_db


def _fields(instance: Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _orm_user(pk: int) -> tuple[dict[str, Any], bool, int] | None:
    from django_otp import user_has_device

    user = User.objects.filter(pk=pk).first()
    if user is None:
        return None
    unread = Message.objects.filter(recipient_id=pk, inbox=True, read_at__isnull=True)[: UNREAD_CAP + 1].count()
    return _fields(user), bool(user_has_device(user, confirmed=True)), unread


def _sql_user(pk: int) -> tuple[dict[str, Any], bool, int] | None:
    user = user_by_pk(pk=pk)
    if user is None:
        return None
    return _fields(user), user.__dict__["_confirmed_device"], user.__dict__["_unread_messages"]


def test_the_session_user_statement_answers_as_the_orm(personas: Any, now: dt.datetime) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    clerk, approver, citizen = personas.clerk, personas.approvers["huzheng"], personas.citizen
    TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=approver, name="phone", confirmed=False)
    TOTPDevice.objects.create(user=personas.admin, name="backup", confirmed=True)
    for i in range(UNREAD_CAP + 3):  # beyond the cap: both count up to the cap + 1
        Message.objects.create(kind="t", key=f"c{i}", recipient=citizen, language="zh-hans", created_at=now)
    Message.objects.create(kind="t", key="read", recipient=clerk, language="zh-hans", created_at=now, read_at=now)
    Message.objects.create(kind="t", key="sms", recipient=clerk, language="zh-hans", created_at=now, inbox=False)
    Message.objects.create(kind="t", key="unread", recipient=clerk, language="zh-hans", created_at=now)
    User.objects.filter(pk=personas.other_citizen.pk).update(is_active=False)
    users = [clerk, approver, citizen, personas.other_citizen, personas.admin]
    for user in users:
        assert _sql_user(user.pk) == _orm_user(user.pk), user.username
    assert [_sql_user(u.pk)[1:] for u in users[:3]] == [(True, 1), (False, 0), (False, UNREAD_CAP + 1)]  # type: ignore[index]
    assert _sql_user(0) is None is _orm_user(0)


def test_the_token_statement_answers_as_the_orm(personas: Any, now: dt.datetime) -> None:
    def orm(raw: str, at: dt.datetime) -> dict[str, Any] | None:
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(raw), revoked_at__isnull=True, expires_at__gt=at, user__is_active=True)
            .first()
        )
        return None if token is None else _fields(token.user)

    def sql(raw: str, at: dt.datetime) -> dict[str, Any] | None:
        user = user_by_api_token(raw=raw, at=at)
        return None if user is None else _fields(user)

    live = api_token_create(user=personas.citizen, name="app", at=now)[1]
    staff = api_token_create(user=personas.clerk, name="window", at=now)[1]
    revoked_token, revoked = api_token_create(user=personas.other_citizen, name="old", at=now)
    api_token_revoke(user=personas.other_citizen, token_id=revoked_token.pk, at=now)
    inactive = api_token_create(user=personas.approvers["zhian"], name="gone", at=now)[1]
    User.objects.filter(pk=personas.approvers["zhian"].pk).update(is_active=False)
    for raw in (live, staff, revoked, inactive, "tb_unknown"):
        for at in (now, now + dt.timedelta(days=89), now + dt.timedelta(days=91)):
            assert sql(raw, at) == orm(raw, at), (raw, at)
    assert sql(live, now) is not None and sql(revoked, now) is None and sql(inactive, now) is None
