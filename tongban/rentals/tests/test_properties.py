"""出租屋申报: every state of a property, and who may move it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import signing

from tongban.audit.models import AuditEntry
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.notifications.models import Message
from tongban.rentals.models import OwnershipSource, PropertyState, RentalProperty
from tongban.rentals.services import (
    TOKEN_SALT,
    property_close,
    property_from_token,
    property_review,
    property_token,
)

pytestmark = pytest.mark.django_db


def test_declare_at_home_address_is_proved_by_the_registry(rent: Any, personas: Any) -> None:
    prop = rent.declare()
    assert prop.state == PropertyState.PENDING
    assert prop.ownership == OwnershipSource.REGISTRY
    assert prop.station_id == personas.outlet.pk  # the police station of the address's district
    assert prop.district_code == "330106"
    assert AuditEntry.objects.filter(action="rental.declare", object_id=prop.number).count() == 1


def test_declare_elsewhere_needs_a_certificate(rent: Any, personas: Any) -> None:
    other = personas.other_citizen.person.household.address_id
    with pytest.raises(Invalid) as e:
        rent.declare(address_id=other)
    assert e.value.code == "ownership"
    assert not RentalProperty.objects.exists()
    prop = rent.declare(address_id=other, certificate_no="浙(2020)杭州市不动产权第0012345号")
    assert prop.ownership == OwnershipSource.CERTIFICATE


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"address_id": 999999}, "address"),
        ({"rooms": 0}, "rooms"),
        ({"rooms": 201}, "rooms"),
        ({"rooms": 1, "capacity": 7}, "capacity"),
        ({"capacity": 0}, "capacity"),
        ({"use": "hotel"}, "use"),
    ],
)
def test_declare_refuses_bad_input_and_leaves_nothing(rent: Any, kw: dict[str, Any], code: str) -> None:
    with pytest.raises(Invalid) as e:
        rent.declare(**kw)
    assert e.value.code == code
    assert not RentalProperty.objects.exists()


def test_capacity_edge_six_per_room_is_allowed(rent: Any) -> None:
    assert rent.declare(rooms=1, capacity=6).capacity == 6


def test_only_citizens_declare(rent: Any, personas: Any) -> None:
    from tongban.rentals.services import property_declare

    with pytest.raises(Forbidden):
        property_declare(landlord=personas.clerk, address_id=rent.home_id, rooms=1, capacity=1, now=rent.now)


def test_one_live_declaration_per_address(rent: Any) -> None:
    rent.declare()
    with pytest.raises(Conflict) as e:
        rent.declare()
    assert e.value.code == "already_declared"
    assert RentalProperty.objects.count() == 1


def test_approve_tells_the_landlord_and_issues_a_token(rent: Any) -> None:
    prop = rent.approved()
    assert prop.state == PropertyState.APPROVED and prop.reviewed_by == rent.officer
    assert property_from_token(property_token(prop)).pk == prop.pk
    msg = Message.objects.get(kind="rental_reviewed")
    assert msg.recipient == rent.landlord and msg.params["number"] == prop.number
    assert AuditEntry.objects.filter(action="rental.approve", object_id=prop.number).count() == 1
    with pytest.raises(Conflict):
        property_review(number=prop.number, actor=rent.officer, approve=False, note="x", now=rent.now)


def test_refuse_needs_a_reason_and_frees_the_address(rent: Any) -> None:
    prop = rent.declare()
    with pytest.raises(Invalid):
        property_review(number=prop.number, actor=rent.officer, approve=False, now=rent.now)
    prop.refresh_from_db()
    assert prop.state == PropertyState.PENDING
    refused = property_review(
        number=prop.number, actor=rent.officer, approve=False, note="地址与产权不符", now=rent.now
    )
    assert refused.state == PropertyState.REFUSED and refused.token_nonce == ""
    with pytest.raises(Conflict):
        property_token(refused)
    assert rent.declare().state == PropertyState.PENDING  # a fresh declaration may follow


@pytest.mark.parametrize("who", ["clerk", "huzheng", "landlord", "tenant"])
def test_only_zhian_officers_review(rent: Any, personas: Any, who: str) -> None:
    prop = rent.declare()
    actor = {
        "clerk": personas.clerk,
        "huzheng": personas.approvers["huzheng"],
        "landlord": rent.landlord,
        "tenant": rent.tenant,
    }[who]
    with pytest.raises(Forbidden):
        property_review(number=prop.number, actor=actor, approve=True, now=rent.now)
    prop.refresh_from_db()
    assert prop.state == PropertyState.PENDING


def test_an_officer_placed_at_another_station_does_not_see_it(rent: Any, personas: Any) -> None:
    officer = rent.officer
    officer.outlet = personas.other_outlet
    officer.save(update_fields=["outlet"])
    prop = rent.declare()
    with pytest.raises(NotFound):
        property_review(number=prop.number, actor=officer, approve=True, now=rent.now)


def test_close_stops_the_qr_code(rent: Any) -> None:
    prop = rent.approved()
    token = property_token(prop)
    closed = property_close(number=prop.number, actor=rent.landlord, now=rent.now)
    assert closed.state == PropertyState.CLOSED
    with pytest.raises(Conflict) as e:
        property_from_token(token)
    assert e.value.code == "property_not_approved"
    with pytest.raises(Conflict):
        property_close(number=prop.number, actor=rent.landlord, now=rent.now)


def test_close_refused_while_tenants_live_there(rent: Any) -> None:
    prop = rent.approved()
    rent.moved_in(prop)
    with pytest.raises(Conflict) as e:
        property_close(number=prop.number, actor=rent.landlord, now=rent.now)
    assert e.value.code == "tenants_living"


def test_close_by_someone_else_is_not_found(rent: Any) -> None:
    prop = rent.approved()
    with pytest.raises(NotFound):
        property_close(number=prop.number, actor=rent.tenant, now=rent.now)


def test_tokens_cannot_be_forged_or_guessed(rent: Any) -> None:
    prop = rent.approved()
    good = property_token(prop)
    assert prop.number in good and prop.token_nonce in good
    for bad in ("", prop.number, good[:-1] + ("A" if good[-1] != "A" else "B"), f"{prop.number}.{prop.token_nonce}:x"):
        with pytest.raises(Invalid) as e:
            property_from_token(bad)
        assert e.value.code == "bad_token"
    signer = signing.Signer(salt=TOKEN_SALT)
    with pytest.raises(Conflict):  # a well-signed token with the wrong nonce (e.g. before a reset)
        property_from_token(signer.sign(f"{prop.number}.wrong"))


def test_pending_property_has_no_token(rent: Any) -> None:
    prop = rent.declare()
    signer = signing.Signer(salt=TOKEN_SALT)
    with pytest.raises(Conflict):
        property_from_token(signer.sign(f"{prop.number}."))


def test_stopping_a_letting_asks_first(rent: Any, api: Any) -> None:
    # the citizen sweep: 停止出租 posted at once, with no question
    prop = rent.approved()
    html = api(rent.landlord).get(f"/rentals/p/{prop.number}/").content.decode()
    assert 'value="close" class="btn danger" data-confirm="确定停止出租这套房屋吗？' in html
    prop.refresh_from_db()
    assert prop.state == PropertyState.APPROVED
