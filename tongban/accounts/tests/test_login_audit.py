"""Every login, on the site and in the admin, is throttled by one counter and audited (issue 16,
finding 4: /admin/login/ took 12 wrong passwords, then a success, with no audit entry)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tongban.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _admin_login(client: Client, password: str) -> Any:
    return client.post("/admin/login/?next=/admin/", {"username": "admin1", "password": password})


def test_admin_login_is_throttled_and_audited(personas: Any, settings: Any) -> None:
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = _admin_login(client, "wrong")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    locked = _admin_login(client, "pw-staff-123")  # the right password, too late
    assert "_auth_user_id" not in client.session and "登录失败次数过多" in locked.content.decode()
    failures = AuditEntry.objects.filter(action="account.login_failed", object_id="admin1")
    assert failures.count() == settings.LOGIN_FAILURE_LIMIT + 1
    assert [e.data["reason"] for e in failures.order_by("id")][-1] == "locked"
    assert all(e.data["via"] == "admin" for e in failures)


def test_admin_success_is_audited_and_a_site_failure_counts_against_the_admin(personas: Any, settings: Any) -> None:
    client = Client()
    assert _admin_login(client, "pw-staff-123").status_code == 302
    entry = AuditEntry.objects.get(action="account.login")
    assert entry.actor_id == personas.admin.pk and entry.data["via"] == "admin"
    other = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        other.post("/accounts/login/", {"username": "admin1", "password": "wrong"})
    _admin_login(other, "pw-staff-123")
    assert "_auth_user_id" not in other.session  # one counter for both forms


def test_site_logins_are_audited_either_way_without_saying_which_part_was_wrong(personas: Any) -> None:
    client = Client()
    unknown = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    wrong = client.post("/accounts/login/", {"username": "clerk1", "password": "wrong"})
    assert unknown.status_code == wrong.status_code == 400
    assert "账号或密码错误" in unknown.content.decode() and "账号或密码错误" in wrong.content.decode()
    by_id = client.post("/accounts/login/", {"username": personas.citizen.id_number, "password": "wrong"})
    assert by_id.status_code == 400
    ok = client.post("/accounts/login/", {"username": "clerk1", "password": "pw-staff-123"})
    assert ok.status_code == 302
    failed = list(AuditEntry.objects.filter(action="account.login_failed").order_by("id"))
    assert [e.object_id for e in failed][:2] == ["nobody", "clerk1"]
    assert personas.citizen.id_number not in failed[2].object_id  # masked
    assert AuditEntry.objects.filter(action="account.login", actor_id=personas.clerk.pk).count() == 1


@pytest.mark.parametrize("username", ["nobody", "clerk1", "530111197512272473"])
def test_a_wrong_login_costs_one_password_hash_whoever_is_named(
    personas: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, username: str
) -> None:
    """G4 "identical failures": an unknown name, a known one with a wrong password, and an ID
    number all run the password hasher exactly once, so the answer's time does not tell which
    accounts exist (counted, not timed: the hasher is what takes the time)."""
    from django.contrib.auth.hashers import get_hasher

    hasher = type(get_hasher())
    calls: list[str] = []
    depth = [0]

    def counting(name: str, original: Any) -> Any:
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            if depth[0] == 0:  # a verify that encodes inside is one hash
                calls.append(name)
            depth[0] += 1
            try:
                return original(self, *args, **kwargs)
            finally:
                depth[0] -= 1

        return wrapper

    for name in ("encode", "verify"):
        monkeypatch.setattr(hasher, name, counting(name, getattr(hasher, name)))
    response = Client().post("/accounts/login/", {"username": username, "password": "wrong-password-1"})
    assert response.status_code == 400
    assert len(calls) == 1, calls
