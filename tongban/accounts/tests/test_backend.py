"""The session user is loaded by UserBackend exactly as ModelBackend would load it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.backends import ModelBackend
from django.test import Client

from tongban.accounts.backends import UserBackend
from tongban.accounts.models import User

pytestmark = pytest.mark.django_db


def test_get_user_equals_the_orm_load_field_by_field(personas: Any) -> None:
    for persona in (personas.citizen, personas.clerk):
        got, want = UserBackend().get_user(persona.pk), ModelBackend().get_user(persona.pk)
        assert got is not None and want is not None
        for field in User._meta.concrete_fields:
            a, b = getattr(got, field.attname), getattr(want, field.attname)
            assert a == b and type(a) is type(b), field.attname
        assert got.get_session_auth_hash() == want.get_session_auth_hash()


def test_unknown_inactive_and_malformed_ids_give_nobody(personas: Any) -> None:
    backend = UserBackend()
    assert backend.get_user(987654321) is None
    assert backend.get_user("not-a-number") is None
    personas.citizen.is_active = False
    personas.citizen.save(update_fields=["is_active"])
    assert backend.get_user(personas.citizen.pk) is None


def test_a_signed_in_page_sees_its_user_and_a_deactivated_one_is_signed_out(personas: Any) -> None:
    client = Client()
    client.force_login(personas.citizen)
    assert client.get("/api/v1/accounts/me").json()["real_name"] == personas.citizen.real_name
    User.objects.filter(pk=personas.citizen.pk).update(is_active=False)
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_device_check_answers_as_django_otp(personas: Any) -> None:
    from django_otp import user_has_device
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tongban.accounts.selectors import has_confirmed_device

    clerk = personas.clerk
    assert has_confirmed_device(clerk) is False is user_has_device(clerk)
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=False)
    assert has_confirmed_device(clerk) is False is user_has_device(clerk)
    device.confirmed = True
    device.save()
    assert has_confirmed_device(clerk) is True is user_has_device(clerk)
    assert has_confirmed_device(personas.citizen) is False is user_has_device(personas.citizen)


def test_the_session_user_arrives_with_the_device_answer(personas: Any) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tongban.accounts.selectors import has_confirmed_device

    clerk = personas.clerk
    loaded = UserBackend().get_user(clerk.pk)
    assert loaded is not None and loaded.__dict__["_confirmed_device"] is False
    TOTPDevice.objects.create(user=clerk, name="phone", confirmed=False)
    loaded = UserBackend().get_user(clerk.pk)
    assert loaded is not None and has_confirmed_device(loaded) is False
    TOTPDevice.objects.filter(user=clerk).update(confirmed=True)
    loaded = UserBackend().get_user(clerk.pk)
    assert loaded is not None and loaded.__dict__["_confirmed_device"] is True
    assert has_confirmed_device(loaded) is True


def test_a_staff_page_reads_user_and_device_in_one_statement(personas: Any, settings: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.REQUIRE_STAFF_2FA = False
    client = Client()
    client.force_login(personas.approvers["zhian"])
    with CaptureQueriesContext(connection) as plain:
        assert client.get("/cases/queue/").status_code == 200
    device_reads = [q["sql"] for q in plain.captured_queries if "otp_totp" in q["sql"]]
    assert len(device_reads) == 1 and '"accounts_user"' in device_reads[0]
    # with a confirmed device the unverified session is sent to the second-factor page
    TOTPDevice.objects.create(user=personas.approvers["zhian"], name="phone", confirmed=True)
    response = client.get("/cases/queue/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/")


def test_pages_get_the_loaded_user_not_a_proxy(personas: Any) -> None:
    from django.utils.functional import LazyObject

    seen: list[Any] = []
    client = Client()
    client.force_login(personas.citizen)
    from django.test.signals import template_rendered

    def grab(sender: Any, context: Any, **kwargs: Any) -> None:
        seen.append(context.get("request").user if context.get("request") is not None else None)

    template_rendered.connect(grab)
    try:
        # a Django-template page: Jinja2 pages (the case lists) send no template_rendered
        assert client.get("/").status_code == 200
    finally:
        template_rendered.disconnect(grab)
    users = [u for u in seen if u is not None]
    assert users and not any(isinstance(u, LazyObject) for u in users)
    assert users[0].pk == personas.citizen.pk
