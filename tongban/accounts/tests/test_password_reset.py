"""忘记密码 for citizens: an SMS code to the registry's phone (or a window reset code) and a new
password; identical answers whatever matched; codes expire, are single-use and rate limited; every
session ends; staff cannot reset themselves; no full ID number in the audit."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client, TestCase

from conftest import make_person
from tongban.accounts.models import ApiToken, RegistrationCode, User
from tongban.accounts.services import api_token_create
from tongban.audit.models import AuditEntry
from tongban.common import clock
from tongban.common.ids import make_id_number
from tongban.common.roles import Role
from tongban.notifications.channels import MemorySmsBackend
from tongban.notifications.models import Message

pytestmark = pytest.mark.django_db
NEW = "Kx7-Pw3q-Lm9"
NEUTRAL = "如果信息无误，验证码已发送至您在公安机关登记的手机号码"


def _start(client: Client, id_number: str, name: str) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/accounts/password/reset/", {"id_number": id_number, "real_name": name})


def _finish(client: Client, code: str, password: str = NEW) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            "/accounts/password/reset/code/", {"code": code, "password": password, "password2": password}
        )


def _code() -> str:
    codes = [m for m in MemorySmsBackend.outbox if "找回" in m.text]
    found = re.search(r"验证码 (\d{6})", codes[-1].text)
    assert found is not None
    return found.group(1)


def test_the_login_page_links_to_the_reset(db: None) -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert 'href="/accounts/password/reset/"' in page and "忘记密码" in page
    reset = Client().get("/accounts/password/reset/").content.decode()
    assert "联系本单位的系统管理员" in reset  # staff are told whom to ask
    assert 'href="/accounts/password/reset/window/"' in reset


def test_a_citizen_resets_with_the_sms_code_and_every_session_ends(personas: Any) -> None:
    citizen = personas.citizen
    signed_in = Client()
    signed_in.force_login(citizen)
    api_token_create(user=citizen, name="old", at=clock.now())
    client = Client()
    step1 = _start(client, citizen.id_number, "张三")
    assert step1.status_code == 302 and step1["Location"] == "/accounts/password/reset/code/"
    (sms,) = MemorySmsBackend.outbox
    assert sms.to == citizen.person.phone  # the registry's phone
    assert NEUTRAL in client.get(step1["Location"]).content.decode()
    done = _finish(client, _code())
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    assert "密码已重置" in client.get("/accounts/login/").content.decode()
    assert User.objects.get(pk=citizen.pk).check_password(NEW)
    assert signed_in.get("/accounts/").status_code == 302  # every session ended
    assert not ApiToken.objects.filter(user=citizen, revoked_at__isnull=True).exists()
    changed = [m for m in MemorySmsBackend.outbox if "如非本人操作" in m.text]
    assert len(changed) == 1 and "窗口" in changed[0].text
    assert Message.objects.filter(recipient=citizen, kind="password_changed", inbox=True).count() == 1
    assert Message.objects.get(kind="password_reset_code").params == {}  # the code is not kept
    entry = AuditEntry.objects.get(action="account.password_reset")
    assert entry.object_id == str(citizen.pk) and entry.data["tokens_revoked"] == 1
    # the audit never holds the full ID number, nor the code
    for row in AuditEntry.objects.filter(action__startswith="account.password"):
        assert citizen.id_number not in str(row.data) + row.object_id
        assert _code() not in str(row.data)
    login = Client().post("/accounts/login/", {"username": citizen.username, "password": NEW})
    assert login.status_code == 302


@pytest.mark.parametrize("case", ["wrong_name", "unknown_id", "no_account", "no_phone", "staff"])
def test_every_miss_answers_exactly_like_a_match_and_sends_nothing(personas: Any, case: str) -> None:
    citizen = personas.citizen
    no_account = make_person(make_id_number("330106", dt.date(1985, 6, 1), 41), "王小明", phone="13912345678")
    silent = make_person(make_id_number("330106", dt.date(1979, 4, 5), 63), "陈默", phone="")
    User.objects.create_user(
        username=silent.id_number, password="x", role=Role.CITIZEN, id_number=silent.id_number, person=silent
    )
    officer = make_person(make_id_number("330106", dt.date(1980, 1, 1), 71), "警员甲", phone="13900000071")
    User.objects.create_user(
        username="officer1", password="x", role=Role.APPROVER, id_number=officer.id_number, person=officer
    )
    tried = {
        "wrong_name": (citizen.id_number, "张四"),
        "unknown_id": (make_id_number("330106", dt.date(1991, 2, 3), 52), "张三"),
        "no_account": (no_account.id_number, "王小明"),
        "no_phone": (silent.id_number, "陈默"),
        "staff": (officer.id_number, "警员甲"),
    }[case]
    answers = []
    for id_number, name in (tried, (citizen.id_number, "张三")):
        client = Client()
        step1 = _start(client, id_number, name)
        page = client.get(step1["Location"])
        body = re.sub(r"[A-Za-z0-9]{64}", "<csrf>", page.content.decode())
        answers.append((step1.status_code, step1["Location"], page.status_code, body))
    assert answers[0] == answers[1]
    assert len(MemorySmsBackend.outbox) == 1 and MemorySmsBackend.outbox[0].to == citizen.person.phone
    client = Client()
    _start(client, *tried)
    assert _finish(client, "000000").status_code == 400
    assert len(MemorySmsBackend.outbox) == 1


def test_codes_expire_and_are_single_use(personas: Any, settings: Any) -> None:
    citizen = personas.citizen
    settings.REGISTRATION_CODE_SECONDS = 0  # expired as soon as sent
    client = Client()
    _start(client, citizen.id_number, "张三")
    expired = _finish(client, _code())
    assert expired.status_code == 400 and "验证码不正确或已过期" in expired.content.decode()
    settings.REGISTRATION_CODE_SECONDS = 300
    client = Client()
    _start(client, citizen.id_number, "张三")
    code = _code()
    weak = _finish(client, code, "Tongban1")  # a weak password keeps the code
    assert weak.status_code == 400 and "太常见" in weak.content.decode()
    assert _finish(client, code).status_code == 302
    assert User.objects.get(pk=citizen.pk).check_password(NEW)
    assert RegistrationCode.objects.filter(purpose="reset", used_at__isnull=False).count() == 1


def test_a_used_code_cannot_be_replayed(personas: Any) -> None:
    """The browser's own attempt, replayed after success: the token is gone from the session,
    and the code row is used."""
    citizen = personas.citizen
    client = Client()
    _start(client, citizen.id_number, "张三")
    code = _code()
    token_session = dict(client.session.items())
    assert _finish(client, code).status_code == 302
    replay = Client()
    replay.get("/accounts/password/reset/")
    session = replay.session
    session["password_reset_token"] = token_session["password_reset_token"]
    session.save()
    refused = _finish(replay, code, "Bq8-Zt4w-Rn2")
    assert refused.status_code == 400 and "验证码不正确或已过期" in refused.content.decode()
    assert User.objects.get(pk=citizen.pk).check_password(NEW)


def test_both_steps_are_rate_limited_per_address_and_per_id_number(personas: Any, settings: Any) -> None:
    citizen = personas.citizen
    settings.REGISTER_LIMIT_PER_IP, settings.REGISTER_LIMIT_PER_ID = 3, 2
    same_address = Client(REMOTE_ADDR="10.1.1.1")
    for seq in range(3):
        assert _start(same_address, make_id_number("330106", dt.date(1990, 1, 1), 200 + seq), "某某").status_code == 302
    limited = _start(same_address, make_id_number("330106", dt.date(1990, 1, 1), 210), "某某")
    assert limited.status_code == 429 and "尝试次数过多" in limited.content.decode()
    for i in range(2):
        assert _start(Client(REMOTE_ADDR=f"10.2.0.{i}"), citizen.id_number, "张三").status_code == 302
    assert _start(Client(REMOTE_ADDR="10.2.0.9"), citizen.id_number, "张三").status_code == 429
    assert len(MemorySmsBackend.outbox) == 2
    # registration keeps its own counters
    assert Client(REMOTE_ADDR="10.1.1.1").get("/accounts/register/").status_code == 200
    settings.REGISTER_LIMIT_PER_ID = 100
    client = Client(REMOTE_ADDR="10.3.0.1")
    _start(client, citizen.id_number, "张三")
    for _ in range(3):
        assert _finish(client, "000000").status_code == 400
    assert _finish(client, "000000").status_code == 429


def test_the_window_issues_a_reset_code_to_a_person_with_an_account(personas: Any, api: Any) -> None:
    citizen = personas.citizen
    clerk = api(personas.clerk)
    workbench = clerk.post("/workbench/", {"id_number": citizen.id_number}).content.decode()
    assert "为此人办理窗口注册或重置密码" in workbench
    issued = clerk.post(
        "/accounts/window/register/", {"id_number": citizen.id_number, "identity_checked": "on", "issue": "1"}
    )
    html = issued.content.decode()
    assert issued.status_code == 200 and "密码重置码" in html and "/accounts/password/reset/window/" in html
    code = re.search(r'<p class="code"[^>]*>([A-Z0-9-]+)</p>', html)
    assert code is not None
    entry = AuditEntry.objects.get(action="account.window_code_issue")
    assert entry.data["purpose"] == "reset" and entry.actor_id == personas.clerk.pk
    # the reset code opens no account on the activation page
    form = {"id_number": citizen.id_number, "password": NEW, "password2": NEW}
    assert Client().post("/accounts/activate/", {**form, "code": code.group(1)}).status_code == 400
    signed_in = api(citizen)
    wrong = Client().post("/accounts/password/reset/window/", {**form, "code": "ABCD-EFGH"})
    assert wrong.status_code == 400 and "重置码不正确" in wrong.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        ok = Client().post("/accounts/password/reset/window/", {**form, "code": code.group(1).lower()})
    assert ok.status_code == 302 and ok["Location"] == "/accounts/login/"
    assert User.objects.get(pk=citizen.pk).check_password(NEW)
    assert signed_in.get("/accounts/").status_code == 302
    assert AuditEntry.objects.get(action="account.password_reset").data["via"] == "window"
    again = Client().post("/accounts/password/reset/window/", {**form, "code": code.group(1)})
    assert again.status_code == 400  # single use


def test_staff_cannot_reset_themselves_nor_at_the_window(personas: Any, api: Any) -> None:
    officer = make_person(make_id_number("330106", dt.date(1980, 1, 1), 71), "警员甲", phone="13900000071")
    staff = User.objects.create_user(
        username="officer1", password="pw-staff-123", role=Role.CLERK, id_number=officer.id_number, person=officer
    )
    client = Client()
    assert _start(client, officer.id_number, "警员甲").status_code == 302
    assert MemorySmsBackend.outbox == []
    refused = api(personas.clerk).post(
        "/accounts/window/register/", {"id_number": officer.id_number, "identity_checked": "on", "issue": "1"}
    )
    assert refused.status_code == 409 and "系统管理员" in refused.content.decode()
    assert User.objects.get(pk=staff.pk).check_password("pw-staff-123")


def test_a_signed_in_user_is_sent_to_the_change_page(personas: Any, api: Any) -> None:
    response = api(personas.citizen).get("/accounts/password/reset/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
