"""Bearer tokens: the right user, nobody for an unknown, revoked or deactivated token."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tongban.accounts.models import ApiToken
from tongban.accounts.selectors import user_by_api_token
from tongban.accounts.services import api_token_create as _create
from tongban.common.clock import now

pytestmark = pytest.mark.django_db


def api_token_create(*, user: Any, name: str) -> str:
    # The API reads the real clock, so these tokens are issued at the real time (90 days' life).
    return _create(user=user, name=name, at=now())[1]


def _me(raw: str) -> Any:
    return Client().get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_token_authenticates_its_user_and_no_one_else(personas: Any) -> None:
    raw = api_token_create(user=personas.citizen, name="phone app")
    api_token_create(user=personas.other_citizen, name="other")
    user = user_by_api_token(raw=raw, at=now())
    assert user is not None and user.pk == personas.citizen.pk
    response = _me(raw)
    assert response.status_code == 200
    assert response.json()["real_name"] == personas.citizen.real_name
    assert _me(raw + "x").status_code == 401
    assert user_by_api_token(raw="tb_unknown", at=now()) is None


def test_staff_token_brings_the_outlet(personas: Any) -> None:
    raw = api_token_create(user=personas.clerk, name="window")
    response = _me(raw)
    assert response.status_code == 200
    assert response.json()["outlet"] == personas.clerk.outlet.name


def test_deleted_token_and_deactivated_user_are_refused(personas: Any) -> None:
    raw = api_token_create(user=personas.citizen, name="phone app")
    personas.citizen.is_active = False
    personas.citizen.save(update_fields=["is_active"])
    assert user_by_api_token(raw=raw, at=now()) is None and _me(raw).status_code == 401
    personas.citizen.is_active = True
    personas.citizen.save(update_fields=["is_active"])
    assert _me(raw).status_code == 200
    ApiToken.objects.filter(user=personas.citizen).delete()
    assert _me(raw).status_code == 401


def test_token_user_is_loaded_like_the_orm_loads_it(personas: Any) -> None:
    # The plain query must give every field the value and type the ORM gives (dates, booleans, keys).
    from tongban.accounts.models import User

    raw = api_token_create(user=personas.clerk, name="window")
    loaded = user_by_api_token(raw=raw, at=now())
    expected = User.objects.get(pk=personas.clerk.pk)
    assert loaded is not None
    for field in User._meta.concrete_fields:
        got, want = getattr(loaded, field.attname), getattr(expected, field.attname)
        assert got == want and type(got) is type(want), field.attname
    assert not loaded._state.adding and loaded._state.db == expected._state.db
