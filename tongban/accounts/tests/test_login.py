import datetime as dt

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongban.accounts.models import User
from tongban.common.ids import make_id_number


def test_citizen_logs_in_with_id_number(personas) -> None:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": personas.citizen.id_number.lower(), "password": "pw-citizen-123"}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"].pk == personas.citizen.pk


def test_login_is_throttled_after_repeated_failures(personas, settings) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "clerk1", "password": "wrong"}).status_code == 400
    locked = client.post("/accounts/login/", {"username": "clerk1", "password": "pw-staff-123"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_staff_with_totp_must_verify_before_pages_and_api(personas) -> None:
    clerk = personas.clerk
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    client = Client()
    assert client.post("/accounts/login/", {"username": "clerk1", "password": "pw-staff-123"}).status_code == 302
    page = client.get("/workbench/")
    assert page.status_code == 302 and page["Location"].endswith("/accounts/otp/")
    assert client.get("/api/v1/accounts/me").status_code in (401, 403)
    assert client.post("/accounts/otp/", {"token": f"{totp(device.bin_key):06d}"}).status_code == 302
    assert client.get("/workbench/").status_code == 200
    assert client.get("/api/v1/accounts/me").status_code == 200


def test_required_second_factor_sends_staff_without_device_to_enrolment(personas, settings) -> None:
    settings.REQUIRE_STAFF_2FA = True
    client = Client()
    client.force_login(personas.clerk)
    response = client.get("/workbench/")
    assert response.status_code == 302 and response["Location"].endswith("/accounts/otp/setup/")
    assert client.get("/accounts/otp/setup/").status_code == 200


@pytest.mark.django_db
def test_registration_checks_the_id_number_and_the_registry_name() -> None:
    client = Client()
    bad = client.post("/accounts/register/", {"id_number": "110105194912310021", "real_name": "王五"})
    assert bad.status_code == 400 and "校验位" in bad.content.decode()
    assert User.objects.count() == 0
    # An ID number the registry does not hold never becomes an account (it used to, "verified").
    absent = make_id_number("330106", dt.date(1995, 1, 2), 77)
    step1 = client.post("/accounts/register/", {"id_number": absent, "real_name": "王五"})
    assert step1.status_code == 302 and step1["Location"] == "/accounts/register/code/"
    step2 = client.post(
        "/accounts/register/code/", {"code": "123456", "password": "Kx7-Pw3q-Lm9", "password2": "Kx7-Pw3q-Lm9"}
    )
    assert step2.status_code == 400 and "验证码不正确或已过期" in step2.content.decode()
    assert User.objects.count() == 0


def test_registration_refuses_a_name_that_does_not_match_the_registry(personas) -> None:
    from conftest import make_person

    idn = make_id_number("330106", dt.date(1988, 8, 8), 31)
    make_person(idn, "赵六")
    client = Client()
    response = client.post("/accounts/register/", {"id_number": idn, "real_name": "赵七"})
    # refused without saying so: the answer is the same as for a matching name (no oracle)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "不一致" not in page
    client.post("/accounts/register/code/", {"code": "000000", "password": "Kx7-Pw3q-Lm9", "password2": "Kx7-Pw3q-Lm9"})
    assert not User.objects.filter(id_number=idn).exists()


def test_production_hasher_is_argon2() -> None:
    from tongban.config import settings as conf

    assert conf.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_wrong_totp_code_is_refused(personas) -> None:
    device = TOTPDevice.objects.create(user=personas.clerk, name="phone", confirmed=True)
    client = Client()
    client.post("/accounts/login/", {"username": "clerk1", "password": "pw-staff-123"})
    wrong = f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"
    assert client.post("/accounts/otp/", {"token": wrong}).status_code == 400
    assert client.get("/workbench/").status_code == 302


@pytest.mark.parametrize("header", ["x", "Bearer tb_not-a-token", "Basic Y2xlcmsxOnB3"])
def test_an_authorization_header_does_not_skip_the_second_factor(personas, settings, header) -> None:
    """Found by the outside probe: any Authorization header on a page request skipped the TOTP
    check for every staff page and the admin (a case was approved that way)."""
    TOTPDevice.objects.create(user=personas.approvers["zhian"], name="phone", confirmed=True)
    TOTPDevice.objects.create(user=personas.admin, name="phone", confirmed=True)
    for user, paths in ((personas.approvers["zhian"], ["/cases/queue/", "/workbench/"]), (personas.admin, ["/admin/"])):
        client = Client(HTTP_AUTHORIZATION=header)
        client.force_login(user)
        for path in paths:
            page = client.get(path)
            assert page.status_code == 302 and page["Location"].endswith("/accounts/otp/"), path
        assert client.get("/api/v1/cases/queue").status_code in (401, 403)
        assert client.post("/api/v1/accounts/me", content_type="application/json").status_code in (401, 403, 405)
