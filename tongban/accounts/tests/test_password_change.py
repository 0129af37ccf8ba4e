"""修改密码 for every signed-in user: the current password, the policy, the login throttle, the
audit; every other session ends and this one stays. An administrator's temporary password must be
changed at the next sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, TestCase

from tongban.accounts.models import ApiToken, User
from tongban.accounts.services import api_token_create
from tongban.audit.models import AuditEntry
from tongban.common import clock
from tongban.notifications.channels import MemorySmsBackend
from tongban.notifications.models import Message

pytestmark = pytest.mark.django_db
NEW = "Kx7-Pw3q-Lm9"
URL = "/accounts/password/"


def _login(username: str, password: str, **extra: Any) -> Client:
    client = Client(**extra)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:300]
    return client


def _change(client: Client, current: str, new: str = NEW, again: str | None = None, **extra: str) -> Any:
    form = {"current_password": current, "password": new, "password2": new if again is None else again, **extra}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(URL, form)


def test_my_account_links_to_the_change_page_for_every_role(personas: Any, api: Any) -> None:
    for user in (personas.citizen, personas.clerk, personas.approvers["huzheng"], personas.admin, personas.auditor):
        page = api(user).get("/accounts/").content.decode()
        assert f'href="{URL}"' in page and "修改密码" in page
        assert api(user).get(URL).status_code == 200
    assert Client().get(URL).status_code == 302  # anonymous: to the login page


def test_a_change_ends_the_other_sessions_and_keeps_this_one(personas: Any) -> None:
    citizen = personas.citizen
    here = _login(citizen.username, "pw-citizen-123", REMOTE_ADDR="10.0.0.1")
    elsewhere = _login(citizen.username, "pw-citizen-123", REMOTE_ADDR="10.0.0.2")
    assert elsewhere.get("/accounts/").status_code == 200
    done = _change(here, "pw-citizen-123")
    assert done.status_code == 302 and done["Location"] == "/accounts/"
    page = here.get("/accounts/").content.decode()
    assert page.count("其他电脑和手机上的登录已全部退出") == 1  # told, and still signed in here
    assert elsewhere.get("/accounts/").status_code == 302  # the other device is signed out
    assert _login(citizen.username, NEW).get("/accounts/").status_code == 200
    assert (
        Client().post("/accounts/login/", {"username": citizen.username, "password": "pw-citizen-123"}).status_code
        == 400
    )
    entry = AuditEntry.objects.get(action="account.password_change")
    assert entry.actor_id == citizen.pk and entry.data["sessions_ended"] is True
    assert Message.objects.filter(recipient=citizen, kind="password_changed").count() == 1
    (sms,) = MemorySmsBackend.outbox
    assert sms.to == citizen.phone and "如非本人操作" in sms.text


def test_tokens_are_kept_unless_the_user_asks(personas: Any) -> None:
    citizen = personas.citizen
    api_token_create(user=citizen, name="a", at=clock.now())
    api_token_create(user=citizen, name="b", at=clock.now())
    client = _login(citizen.username, "pw-citizen-123")
    assert "API 令牌不受修改密码影响" in client.get(URL).content.decode()
    _change(client, "pw-citizen-123")
    assert ApiToken.objects.filter(user=citizen, revoked_at__isnull=True).count() == 2
    _change(client, NEW, "Bq8-Zt4w-Rn2", revoke_tokens="on")
    assert ApiToken.objects.filter(user=citizen, revoked_at__isnull=True).count() == 0
    assert "已撤销 2 个 API 令牌" in client.get("/accounts/").content.decode()


def test_a_wrong_current_password_is_refused_audited_and_counted_like_a_login(personas: Any, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    clerk = personas.clerk
    client = _login(clerk.username, "pw-staff-123")
    for _ in range(3):
        wrong = _change(client, "not-my-password")
        assert wrong.status_code == 400 and "当前密码不正确" in wrong.content.decode()
    locked = _change(client, "pw-staff-123")  # even the right one now: throttled
    assert locked.status_code == 429 and "登录失败次数过多" in locked.content.decode()
    assert User.objects.get(pk=clerk.pk).check_password("pw-staff-123")
    reasons = list(AuditEntry.objects.filter(action="account.password_change_failed").values_list("data", flat=True))
    assert [r["reason"] for r in reasons] == ["credentials"] * 3 + ["locked"]
    # the same counter as the login form: signing in again from this address is locked too
    assert (
        Client().post("/accounts/login/", {"username": clerk.username, "password": "pw-staff-123"}).status_code == 429
    )


@pytest.mark.parametrize(
    ("new", "again", "field_error"),
    [
        ("Tongban1", None, "太常见"),
        ("12345678", None, "太常见"),
        ("Kx7-Pw3q-Lm9", "Kx7-Pw3q-Lm8", "两次输入的密码不一致"),
        ("pw-citizen-123", None, "不能与当前密码相同"),
    ],
)
def test_the_policy_is_applied(personas: Any, new: str, again: str | None, field_error: str) -> None:
    citizen = personas.citizen
    client = _login(citizen.username, "pw-citizen-123")
    refused = _change(client, "pw-citizen-123", new, again)
    assert refused.status_code == 400 and field_error in refused.content.decode()
    assert User.objects.get(pk=citizen.pk).check_password("pw-citizen-123")
    assert not AuditEntry.objects.filter(action="account.password_change").exists()


def test_the_policy_speaks_the_readers_language(personas: Any) -> None:
    client = _login(personas.citizen.username, "pw-citizen-123")
    client.cookies["django_language"] = "en"
    refused = _change(client, "pw-citizen-123", "Tongban1")
    body = refused.content.decode()
    assert refused.status_code == 400 and "too common" in body and "太常见" not in body


def test_staff_keep_their_second_factor(personas: Any, settings: Any) -> None:
    settings.REQUIRE_STAFF_2FA = True
    client = _login("approver-huzheng", "pw-staff-123")
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/")


def test_an_administrators_temporary_password_must_be_changed_at_next_sign_in(personas: Any, api: Any) -> None:
    clerk = personas.clerk
    before = _login(clerk.username, "pw-staff-123")
    admin = api(personas.admin)
    form_page = admin.get(f"/admin/accounts/user/{clerk.pk}/password/")
    assert form_page.status_code == 200 and "密码" in form_page.content.decode()
    temporary = "Vt5-Hy8m-Qc3"
    with TestCase.captureOnCommitCallbacks(execute=True):
        saved = admin.post(
            f"/admin/accounts/user/{clerk.pk}/password/",
            {"password1": temporary, "password2": temporary, "usable_password": "true"},
        )
    assert saved.status_code == 302
    assert before.get("/accounts/").status_code == 302  # their sessions ended
    assert User.objects.get(pk=clerk.pk).must_change_password
    entry = AuditEntry.objects.get(action="account.password_set")
    assert entry.actor_id == personas.admin.pk and entry.object_id == str(clerk.pk)
    assert AuditEntry.objects.filter(action="admin.change", object_id=str(clerk.pk)).exists()
    client = _login(clerk.username, temporary)
    assert client.get("/workbench/")["Location"] == URL  # nothing else until they choose their own
    page = client.get(URL).content.decode()
    assert "管理员为您设置了临时密码" in page
    assert _change(client, temporary).status_code == 302
    assert not User.objects.get(pk=clerk.pk).must_change_password
    assert client.get("/workbench/").status_code == 200


def test_the_admin_headers_change_link_leads_to_the_sites_page(personas: Any, api: Any) -> None:
    response = api(personas.admin).get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == URL
