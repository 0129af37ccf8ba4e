"""Sessions as G4 says: a new id at login, idle limits (staff 15 min, citizens 30 min), an
absolute lifetime, and sessions killed on logout, on "sign out everywhere" and on disabling."""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tongban.accounts.models import User
from tongban.accounts.services import account_disable
from tongban.audit.models import AuditEntry
from tongban.common import clock as clock_module

pytestmark = pytest.mark.django_db
STORE = import_module(settings.SESSION_ENGINE).SessionStore


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.t = start

    def __call__(self) -> dt.datetime:
        return self.t

    def tick(self, **delta: float) -> None:
        self.t += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> Clock:
    c = Clock(now)
    monkeypatch.setattr(clock_module, "now", c)
    return c


def _login(client: Client, username: str, password: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:300]


def test_login_gives_a_new_session_id(personas: Any) -> None:
    client = Client()
    client.get("/accounts/login/")
    session = client.session  # an anonymous session exists before signing in
    session["probe"] = 1
    session.save()
    before = str(session.session_key)
    client.cookies[settings.SESSION_COOKIE_NAME] = before
    _login(client, "clerk1", "pw-staff-123")
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert before and after and before != after
    assert not STORE().exists(before)


@pytest.mark.parametrize(("who", "idle_minutes"), [("clerk1", 15), ("citizen", 30)])
def test_idle_sessions_end(personas: Any, clock: Clock, who: str, idle_minutes: int) -> None:
    client = Client()
    username, password = (
        ("clerk1", "pw-staff-123") if who == "clerk1" else (personas.citizen.id_number, "pw-citizen-123")
    )
    _login(client, username, password)
    page = "/workbench/" if who == "clerk1" else "/registry/me/"
    clock.tick(minutes=idle_minutes - 1)
    assert client.get(page).status_code == 200  # active again: the idle clock restarts
    clock.tick(minutes=idle_minutes - 1)
    assert client.get(page).status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    clock.tick(minutes=idle_minutes, seconds=1)
    expired = client.get(page)
    assert expired.status_code == 302 and expired["Location"].startswith("/accounts/login/?next=")
    assert not STORE().exists(key)  # ended on the server, not only in the browser
    assert "已自动退出" in client.get(expired["Location"]).content.decode()
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_a_session_ends_after_its_absolute_lifetime_however_active(personas: Any, clock: Clock) -> None:
    client = Client()
    _login(client, personas.citizen.id_number, "pw-citizen-123")
    for _ in range(settings.SESSION_ABSOLUTE_SECONDS // 600):
        clock.tick(minutes=10)
        assert client.get("/api/v1/accounts/me").status_code == 200
    clock.tick(minutes=10)
    expired = client.get("/api/v1/accounts/me")
    assert expired.status_code == 401 and expired.json()["code"] == "session_expired"
    assert client.get("/api/v1/accounts/me").json()["code"] == "unauthenticated"


def test_limits_are_within_g4() -> None:
    assert settings.SESSION_IDLE_STAFF_SECONDS <= 15 * 60
    assert settings.SESSION_IDLE_CITIZEN_SECONDS <= 30 * 60
    assert settings.SESSION_ABSOLUTE_SECONDS <= 8 * 3600


def test_logout_deletes_the_server_session(personas: Any) -> None:
    client = Client()
    _login(client, "clerk1", "pw-staff-123")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert STORE().exists(key)
    client.post("/accounts/logout/")
    assert not STORE().exists(key)
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key  # the old cookie, replayed
    assert replay.get("/workbench/").status_code == 302
    assert AuditEntry.objects.filter(action="account.logout", actor_id=personas.clerk.pk).count() == 1


def test_disabling_an_account_ends_all_its_sessions(personas: Any, now: dt.datetime) -> None:
    phone, laptop = Client(), Client()
    for client in (phone, laptop):
        _login(client, personas.citizen.id_number, "pw-citizen-123")
        assert client.get("/api/v1/accounts/me").status_code == 200
    account_disable(user=personas.citizen, at=now, actor=personas.admin)
    for client in (phone, laptop):
        assert client.get("/api/v1/accounts/me").status_code == 401
    # enabled again, the old sessions stay dead: they were ended, not paused
    User.objects.filter(pk=personas.citizen.pk).update(is_active=True)
    for client in (phone, laptop):
        assert client.get("/api/v1/accounts/me").status_code == 401
    assert AuditEntry.objects.filter(action="account.disable", object_id=str(personas.citizen.pk)).count() == 1


def test_disabling_in_the_admin_ends_the_sessions_too(personas: Any, api: Any) -> None:
    victim = Client()
    _login(victim, "clerk2", "pw-staff-123")
    admin = api(personas.admin)
    form = admin.get(f"/admin/accounts/user/{personas.other_clerk.pk}/change/")
    assert form.status_code == 200
    data = {
        k: v
        for k, v in form.context["adminform"].form.initial.items()
        if v is not None and k not in {"is_active", "groups", "user_permissions", "last_login", "date_joined"}
    }
    data.update({"outlet": personas.other_outlet.pk, "date_joined_0": "2026-03-01", "date_joined_1": "10:00:00"})
    saved = admin.post(f"/admin/accounts/user/{personas.other_clerk.pk}/change/", data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert User.objects.get(pk=personas.other_clerk.pk).is_active is False
    assert victim.get("/workbench/").status_code == 302


def test_sign_out_everywhere_asks_first_then_ends_every_session(personas: Any) -> None:
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        _login(client, personas.citizen.id_number, "pw-citizen-123")
    ask = here.get("/accounts/sessions/end/")
    assert ask.status_code == 200 and "全部退出" in ask.content.decode()
    assert elsewhere.get("/api/v1/accounts/me").status_code == 200
    done = here.post("/accounts/sessions/end/")
    assert done.status_code == 302
    for client in (here, elsewhere):
        assert client.get("/api/v1/accounts/me").status_code == 401
    _login(elsewhere, personas.citizen.id_number, "pw-citizen-123")  # and signing in again works
    assert elsewhere.get("/api/v1/accounts/me").status_code == 200
