"""Real-name registration proves possession (issue 16, finding 2): an SMS code to the phone the
registry holds, or an activation code from a window; identical answers whatever matched; codes
expire, are single-use and limited; rate limits per address and per ID number; finding 8."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from django.test import Client, TestCase

from conftest import make_person
from tongban.accounts.models import RegistrationCode, User
from tongban.accounts.services import registration_finish, registration_start, window_code_issue, window_code_redeem
from tongban.audit.models import AuditEntry
from tongban.common.errors import Conflict, Invalid
from tongban.common.ids import make_id_number
from tongban.notifications.channels import MemorySmsBackend
from tongban.notifications.models import Message

pytestmark = pytest.mark.django_db
STRONG = "Kx7-Pw3q-Lm9"
REGISTRY_PHONE = "13912345678"
GENERIC = "如果您填写的信息与公安机关登记的一致，我们已向您在公安机关登记的手机号码发送了 6 位验证码"


@pytest.fixture
def wang(db: None) -> Any:
    """A registry person with a phone and no account."""
    return make_person(make_id_number("330106", dt.date(1985, 6, 1), 41), "王小明", phone=REGISTRY_PHONE)


def _code() -> str:
    (sms,) = MemorySmsBackend.outbox
    found = re.search(r"验证码 (\d{6})", sms.text)
    assert found is not None
    return found.group(1)


def _start(client: Client, id_number: str, name: str) -> Any:
    # the SMS task is queued when the request's transaction commits (inside the test's: run it)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/accounts/register/", {"id_number": id_number, "real_name": name})


def _finish(client: Client, code: str, password: str = STRONG, phone: str = "") -> Any:
    return client.post(
        "/accounts/register/code/", {"code": code, "password": password, "password2": password, "phone": phone}
    )


def test_sms_code_to_the_registry_phone_opens_a_verified_account(wang: Any) -> None:
    client = Client()
    step1 = _start(client, wang.id_number, "王小明")
    assert step1.status_code == 302 and step1["Location"] == "/accounts/register/code/"
    (sms,) = MemorySmsBackend.outbox
    assert sms.to == REGISTRY_PHONE  # the registry's phone, never one the applicant typed
    page = client.get("/accounts/register/code/").content.decode()
    assert GENERIC in page
    done = _finish(client, _code(), phone="13700000001")
    assert done.status_code == 302 and done["Location"] == "/"
    user = User.objects.get(id_number=wang.id_number)
    assert (user.person_id, user.real_name, user.phone, user.role) == (wang.pk, "王小明", "13700000001", "citizen")
    home = client.get("/").content.decode()
    assert "已完成实名认证" in home and client.session["_auth_user_id"] == str(user.pk)
    assert Message.objects.filter(recipient=user, kind="account_created").count() == 1
    assert AuditEntry.objects.filter(action="account.register", object_id=str(user.pk)).count() == 1
    # the code is used up, and its text is not kept once sent
    assert RegistrationCode.objects.get().used_at is not None
    assert Message.objects.get(kind="registration_code").params == {}


@pytest.mark.parametrize("case", ["wrong_name", "unknown_id", "no_phone"])
def test_every_failure_answers_exactly_like_a_match(wang: Any, case: str) -> None:
    """The probe's oracle: a wrong name answered name_mismatch. Now the status, the redirect and
    the page are the same as for a match, and only a match sends anything."""
    nobody = make_id_number("330106", dt.date(1991, 2, 3), 52)
    silent = make_person(make_id_number("330106", dt.date(1979, 4, 5), 63), "陈默", phone="")
    tried = {
        "wrong_name": (wang.id_number, "王大明"),
        "unknown_id": (nobody, "王小明"),
        "no_phone": (silent.id_number, "陈默"),
    }[case]
    answers = []
    for id_number, name in (tried, (wang.id_number, "王小明")):
        client = Client()
        step1 = _start(client, id_number, name)
        page = client.get(step1["Location"])
        body = re.sub(r"[A-Za-z0-9]{64}", "<csrf>", page.content.decode())  # the CSRF tokens differ
        answers.append((step1.status_code, step1["Location"], page.status_code, body))
    assert answers[0] == answers[1]
    assert len(MemorySmsBackend.outbox) == 1 and MemorySmsBackend.outbox[0].to == REGISTRY_PHONE
    # and the failed attempt can never finish, whatever code is tried
    client = Client()
    _start(client, *tried)
    refused = _finish(client, "000000")
    assert refused.status_code == 400 and "验证码不正确或已过期" in refused.content.decode()
    assert not User.objects.exists()


def test_step_one_answers_no_sooner_than_the_floor(wang: Any, settings: Any) -> None:
    """With the floor (REGISTER_MIN_MILLISECONDS, 250 by default) both answers take at least
    that long, so the cost of sending a code is hidden behind it."""
    settings.REGISTER_MIN_MILLISECONDS = 120
    nobody = make_id_number("330106", dt.date(1991, 2, 3), 52)
    locations = set()
    for idn, name in ((wang.id_number, "王小明"), (nobody, "王小明")):
        t0 = time.perf_counter()
        answer = _start(Client(), idn, name)
        assert answer.status_code == 302
        assert time.perf_counter() - t0 >= 0.12  # a lower bound: a loaded machine only adds to it
        locations.add(answer["Location"])
    assert len(locations) == 1  # the same answer whether or not a code was sent


def test_codes_expire_are_single_use_and_allow_few_tries(wang: Any, now: dt.datetime, settings: Any) -> None:
    settings.REGISTER_LIMIT_PER_IP = settings.REGISTER_LIMIT_PER_ID = 100  # the rate limits are tested below

    def start() -> tuple[str, str]:
        MemorySmsBackend.outbox.clear()
        with TestCase.captureOnCommitCallbacks(execute=True):
            token = registration_start(
                id_number=wang.id_number, real_name="王小明", ip="10.0.0.1", at=now, language="zh-hans"
            )
        return token, _code()

    def finish(token: str, code: str, at: dt.datetime) -> User:
        return registration_finish(
            token=token, code=code, password=STRONG, phone="", ip="10.0.0.1", at=at, language="zh-hans"
        )

    token, code = start()
    with pytest.raises(Invalid):  # five minutes and a second later
        finish(token, code, now + dt.timedelta(seconds=settings.REGISTRATION_CODE_SECONDS + 1))
    token, code = start()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(settings.REGISTRATION_CODE_ATTEMPTS):
        with pytest.raises(Invalid):
            finish(token, wrong, now)
    with pytest.raises(Invalid):  # the right code, too late: the attempts are used up
        finish(token, code, now)
    token, code = start()
    user = finish(token, code, now + dt.timedelta(seconds=10))
    assert user.person_id == wang.pk
    with pytest.raises(Invalid):  # used
        finish(token, code, now + dt.timedelta(seconds=20))
    token, code = start()  # a new code for a person who has an account: it says so, no second one
    with pytest.raises(Conflict):
        finish(token, code, now + dt.timedelta(seconds=30))
    assert User.objects.filter(person=wang).count() == 1


def test_a_weak_password_does_not_use_up_the_code(wang: Any) -> None:
    client = Client()
    _start(client, wang.id_number, "王小明")
    code = _code()
    for weak in ("Tongban1", "zhangsan123", wang.id_number):
        response = _finish(client, code, password=weak)
        assert response.status_code == 400 and "密码" in response.content.decode()
    assert not User.objects.exists()
    assert _finish(client, code).status_code == 302


def test_both_steps_are_rate_limited_per_address_and_per_id_number(wang: Any, settings: Any) -> None:
    settings.REGISTER_LIMIT_PER_IP, settings.REGISTER_LIMIT_PER_ID = 3, 2
    same_address = Client(REMOTE_ADDR="10.1.1.1")
    for seq in range(3):
        idn = make_id_number("330106", dt.date(1990, 1, 1), 200 + seq)
        assert _start(same_address, idn, "某某").status_code == 302
    limited = _start(same_address, make_id_number("330106", dt.date(1990, 1, 1), 210), "某某")
    assert limited.status_code == 429 and "尝试次数过多" in limited.content.decode()
    # one ID number from many addresses
    for i in range(2):
        assert _start(Client(REMOTE_ADDR=f"10.2.0.{i}"), wang.id_number, "王小明").status_code == 302
    assert _start(Client(REMOTE_ADDR="10.2.0.9"), wang.id_number, "王小明").status_code == 429
    assert len(MemorySmsBackend.outbox) == 2
    # step 2 has its own counters
    client = Client(REMOTE_ADDR="10.3.0.1")
    settings.REGISTER_LIMIT_PER_ID = 100
    _start(client, wang.id_number, "王小明")
    for _ in range(3):
        assert _finish(client, "000000").status_code == 400
    assert _finish(client, "000000").status_code == 429


@pytest.mark.parametrize(
    "typed",
    [
        "530111١٩٧٥١٢٢٧2473",  # Arabic-Indic digits: the probe's second account
        "530111१९७५१२२७2473",  # Devanagari
        "５３０１１１١٩٧٥١٢٢٧２４７３",  # full-width (read as ASCII) mixed with Arabic-Indic (refused)
    ],
)
def test_digits_of_other_scripts_never_make_a_second_account(db: None, typed: str) -> None:
    make_person("530111197512272473", "李云", phone=REGISTRY_PHONE)
    response = _start(Client(), typed, "李云")
    assert response.status_code == 400
    assert not RegistrationCode.objects.exists() and MemorySmsBackend.outbox == []


def test_full_width_digits_are_read_as_ascii(db: None) -> None:
    make_person("530111197512272473", "李云", phone=REGISTRY_PHONE)
    client = Client()
    assert _start(client, "５３０１１１１９７５１２２７２４７３", "李云").status_code == 302
    assert RegistrationCode.objects.get().id_number == "530111197512272473"
    assert len(MemorySmsBackend.outbox) == 1


# --- at a window -------------------------------------------------------------------------------


def test_a_clerk_issues_an_activation_code_the_citizen_opens_the_account_with(
    personas: Any, api: Any, wang: Any
) -> None:
    clerk = api(personas.clerk)
    workbench = clerk.post("/workbench/", {"id_number": wang.id_number}).content.decode()
    assert 'action="/accounts/window/register/"' in workbench and "为此人办理窗口注册" in workbench
    prefilled = clerk.post("/accounts/window/register/", {"id_number": wang.id_number})
    assert prefilled.status_code == 200 and wang.id_number in prefilled.content.decode()
    unchecked = clerk.post("/accounts/window/register/", {"id_number": wang.id_number, "issue": "1"})
    assert unchecked.status_code == 400 and "请先查验身份证原件" in unchecked.content.decode()
    issued = clerk.post(
        "/accounts/window/register/", {"id_number": wang.id_number, "identity_checked": "on", "issue": "1"}
    )
    html = issued.content.decode()
    assert issued.status_code == 200 and "王**" in html
    code = re.search(r'<p class="code"[^>]*>([A-Z0-9-]+)</p>', html)
    assert code is not None
    entry = AuditEntry.objects.get(action="account.window_code_issue")
    assert entry.actor_id == personas.clerk.pk and entry.object_id == str(wang.pk)
    citizen = Client()
    form = {"id_number": wang.id_number, "password": STRONG, "password2": STRONG}
    wrong = citizen.post("/accounts/activate/", {**form, "code": "ABCD-EFGH"})
    assert wrong.status_code == 400 and "激活码不正确" in wrong.content.decode()
    ok = citizen.post("/accounts/activate/", {**form, "code": code.group(1).lower()})
    assert ok.status_code == 302
    user = User.objects.get(person=wang)
    assert user.phone == REGISTRY_PHONE and user.real_name == "王小明"
    again = Client().post("/accounts/activate/", {**form, "code": code.group(1)})
    assert again.status_code == 400 and User.objects.filter(person=wang).count() == 1
    # once the account exists, the window issues a password reset code instead of a second account
    reset = clerk.post(
        "/accounts/window/register/", {"id_number": wang.id_number, "identity_checked": "on", "issue": "1"}
    )
    assert reset.status_code == 200 and "密码重置码" in reset.content.decode()
    assert User.objects.filter(person=wang).count() == 1


def test_a_person_without_a_phone_registers_at_the_window(personas: Any, now: dt.datetime) -> None:
    silent = make_person(make_id_number("330106", dt.date(1979, 4, 5), 63), "陈默", phone="")
    issued = window_code_issue(clerk=personas.clerk, id_number=silent.id_number, at=now)
    assert issued.expires_at == now + dt.timedelta(hours=72)
    user = window_code_redeem(
        id_number=silent.id_number,
        code=issued.code,
        password=STRONG,
        phone="13600000000",
        ip="x",
        at=now,
        language="en",
    )
    assert user.person_id == silent.pk and user.phone == "13600000000" and user.language == "en"
    # an old code after a new one was issued: the old one stops working
    other = make_person(make_id_number("330106", dt.date(1979, 4, 5), 65), "陈静", phone="")
    first = window_code_issue(clerk=personas.clerk, id_number=other.id_number, at=now)
    window_code_issue(clerk=personas.clerk, id_number=other.id_number, at=now)
    with pytest.raises(Invalid):
        window_code_redeem(
            id_number=other.id_number, code=first.code, password=STRONG, phone="", ip="x", at=now, language="zh-hans"
        )


def test_only_clerks_issue_window_codes(personas: Any, api: Any, wang: Any) -> None:
    form = {"id_number": wang.id_number, "identity_checked": "on", "issue": "1"}
    for user in (personas.citizen, personas.approvers["huzheng"], personas.auditor):
        assert api(user).post("/accounts/window/register/", form).status_code == 403
    absent = make_id_number("330106", dt.date(1991, 2, 3), 52)
    missing = api(personas.clerk).post("/accounts/window/register/", {**form, "id_number": absent})
    assert missing.status_code == 404
    assert not RegistrationCode.objects.exists()
