"""房客自主申报 and 租房记录: every state of a tenancy, and months of residence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongban.audit.models import AuditEntry
from tongban.common.errors import Conflict, Forbidden, Invalid
from tongban.notifications.models import Message
from tongban.rentals.models import Tenancy, TenancyState
from tongban.rentals.selectors import months_of_residence, tenancies_visible
from tongban.rentals.services import property_review, tenancy_answer, tenancy_declare, tenancy_move_out

pytestmark = pytest.mark.django_db


def test_declare_tells_the_landlord(rent: Any) -> None:
    prop = rent.approved()
    t = rent.moved_in(prop)
    assert t.state == TenancyState.DECLARED and t.tenant_person_id == rent.tenant.person_id
    msg = Message.objects.get(kind="tenant_declared")
    assert msg.recipient == rent.landlord and msg.params["tenant"] != rent.tenant.real_name  # masked
    assert AuditEntry.objects.filter(action="tenancy.declare", object_id=str(t.pk)).count() == 1


def test_declare_against_unapproved_property_is_refused(rent: Any) -> None:
    from django.core import signing

    from tongban.rentals.services import TOKEN_SALT

    prop = rent.declare()
    forged = signing.Signer(salt=TOKEN_SALT).sign(f"{prop.number}.guess")
    with pytest.raises(Conflict) as e:
        tenancy_declare(token=forged, tenant=rent.tenant, moved_in_on=dt.date(2026, 3, 1), now=rent.now)
    assert e.value.code == "property_not_approved"
    with pytest.raises(Invalid) as e2:
        tenancy_declare(token=prop.number, tenant=rent.tenant, moved_in_on=dt.date(2026, 3, 1), now=rent.now)
    assert e2.value.code == "bad_token"
    assert not Tenancy.objects.exists()


def test_declare_after_the_property_is_refused_is_refused(rent: Any) -> None:
    from django.core import signing

    from tongban.rentals.services import TOKEN_SALT

    prop = rent.declare()
    property_review(number=prop.number, actor=rent.officer, approve=False, note="不符", now=rent.now)
    token = signing.Signer(salt=TOKEN_SALT).sign(f"{prop.number}.")
    with pytest.raises(Conflict):
        tenancy_declare(token=token, tenant=rent.tenant, moved_in_on=dt.date(2026, 3, 1), now=rent.now)
    assert not Tenancy.objects.exists()


@pytest.mark.parametrize("day", [dt.date(2026, 3, 11), dt.date(2025, 3, 8)])
def test_move_in_date_in_the_future_or_over_a_year_back_is_refused(rent: Any, day: dt.date) -> None:
    prop = rent.approved()
    with pytest.raises(Invalid):
        rent.moved_in(prop, on=day)
    assert not Tenancy.objects.exists()


def test_landlord_cannot_declare_in_own_property(rent: Any) -> None:
    prop = rent.approved()
    with pytest.raises(Forbidden):
        rent.moved_in(prop, tenant=rent.landlord)


def test_twice_is_refused_and_full_property_is_refused(rent: Any, personas: Any) -> None:
    prop = rent.approved(rooms=1, capacity=1)
    rent.moved_in(prop)
    with pytest.raises(Conflict) as e:
        rent.moved_in(prop)
    assert e.value.code in ("full", "already_declared")
    assert Tenancy.objects.count() == 1


def test_confirm_then_move_out(rent: Any) -> None:
    prop = rent.approved()
    t = rent.moved_in(prop)
    t = tenancy_answer(pk=t.pk, actor=rent.landlord, confirm=True, now=rent.now)
    assert t.state == TenancyState.CONFIRMED
    with pytest.raises(Conflict):
        tenancy_answer(pk=t.pk, actor=rent.landlord, confirm=False, note="x", now=rent.now)
    t = tenancy_move_out(pk=t.pk, actor=rent.tenant, moved_out_on=dt.date(2026, 3, 9), now=rent.now)
    assert t.state == TenancyState.ENDED and t.moved_out_on == dt.date(2026, 3, 9)
    with pytest.raises(Conflict):
        tenancy_move_out(pk=t.pk, actor=rent.tenant, moved_out_on=dt.date(2026, 3, 9), now=rent.now)
    assert AuditEntry.objects.filter(action__startswith="tenancy.", object_id=str(t.pk)).count() == 3


def test_dispute_needs_a_reason_and_only_the_landlord_answers(rent: Any) -> None:
    prop = rent.approved()
    t = rent.moved_in(prop)
    with pytest.raises(Invalid):
        tenancy_answer(pk=t.pk, actor=rent.landlord, confirm=False, now=rent.now)
    with pytest.raises(Forbidden):
        tenancy_answer(pk=t.pk, actor=rent.tenant, confirm=True, now=rent.now)
    t = tenancy_answer(pk=t.pk, actor=rent.landlord, confirm=False, note="此人未入住", now=rent.now)
    assert t.state == TenancyState.DISPUTED and t.dispute_note == "此人未入住"
    with pytest.raises(Conflict):
        tenancy_move_out(pk=t.pk, actor=rent.tenant, moved_out_on=dt.date(2026, 3, 9), now=rent.now)


def test_move_out_rules(rent: Any, personas: Any) -> None:
    prop = rent.approved()
    t = rent.moved_in(prop, on=dt.date(2026, 3, 5))
    with pytest.raises(Forbidden):
        tenancy_move_out(pk=t.pk, actor=rent.landlord, moved_out_on=dt.date(2026, 3, 6), now=rent.now)
    with pytest.raises(Invalid):
        tenancy_move_out(pk=t.pk, actor=rent.tenant, moved_out_on=dt.date(2026, 3, 4), now=rent.now)
    with pytest.raises(Invalid):
        tenancy_move_out(pk=t.pk, actor=rent.tenant, moved_out_on=dt.date(2026, 3, 11), now=rent.now)
    with pytest.raises(Forbidden):
        tenancy_move_out(pk=t.pk, actor=personas.approvers["huzheng"], moved_out_on=dt.date(2026, 3, 6), now=rent.now)
    # a declared (not yet confirmed) stay may end too
    assert tenancy_move_out(pk=t.pk, actor=rent.tenant, moved_out_on=dt.date(2026, 3, 5), now=rent.now).state == "ended"


def test_records_are_visible_to_landlord_tenant_and_station_only(rent: Any, personas: Any) -> None:
    prop = rent.approved()
    t = rent.moved_in(prop)
    for user in (rent.landlord, rent.tenant, personas.clerk, rent.officer, personas.admin):
        assert list(tenancies_visible(user=user).values_list("pk", flat=True)) == [t.pk], user
    for user in (personas.other_clerk, personas.approvers["huzheng"]):
        assert not tenancies_visible(user=user).exists(), user


def _stay(rent: Any, prop: Any, moved_in: dt.date, moved_out: dt.date | None, *, confirm: bool = True) -> Any:
    t = Tenancy.objects.create(
        property=prop,
        tenant=rent.tenant,
        tenant_person_id=rent.tenant.person_id,
        moved_in_on=moved_in,
        moved_out_on=moved_out,
        state=TenancyState.ENDED if moved_out else TenancyState.CONFIRMED,
        declared_at=rent.now,
        answered_at=rent.now if confirm else None,
    )
    return t


@pytest.mark.parametrize(
    ("at", "months"),
    [(dt.date(2026, 3, 15), 6), (dt.date(2026, 3, 14), 5), (dt.date(2025, 9, 15), 0), (dt.date(2025, 10, 14), 0)],
)
def test_months_of_residence_at_exactly_half_a_year(rent: Any, at: dt.date, months: int) -> None:
    prop = rent.approved()
    _stay(rent, prop, dt.date(2025, 9, 15), None)
    assert months_of_residence(rent.tenant.person, at) == months


def test_months_count_only_confirmed_stays_and_chain_without_gaps(rent: Any, personas: Any) -> None:
    prop = rent.approved()
    _stay(rent, prop, dt.date(2025, 9, 15), None, confirm=False)
    assert months_of_residence(rent.tenant.person_id, dt.date(2026, 3, 15)) == 0
    Tenancy.objects.all().delete()
    _stay(rent, prop, dt.date(2025, 6, 1), dt.date(2025, 12, 31))
    _stay(rent, prop, dt.date(2026, 1, 1), None)
    assert months_of_residence(rent.tenant.person_id, dt.date(2026, 3, 1)) == 9
    Tenancy.objects.filter(moved_in_on=dt.date(2026, 1, 1)).update(moved_in_on=dt.date(2026, 1, 20))
    assert months_of_residence(rent.tenant.person_id, dt.date(2026, 3, 1)) == 1  # a gap starts afresh
    assert months_of_residence(rent.tenant.person_id, dt.date(2025, 12, 31)) == 6


@pytest.mark.parametrize(("at", "ok"), [(dt.date(2026, 3, 15), True), (dt.date(2026, 3, 14), False)])
def test_residence_permit_half_year_reads_the_tenancy_record(rent: Any, at: dt.date, ok: bool) -> None:
    """The 居住证 rule at exactly half a year of a confirmed tenancy; the record outranks what the
    applicant declares (12 months declared, 5 on record: refused)."""
    from tongban.catalog.loader import ITEMS_DIR, item_file_read
    from tongban.catalog.rules import eligibility_facts
    from tongban.catalog.services import item_eligibility
    from tongban.rentals.sources import TenancySource

    prop = rent.approved()
    _stay(rent, prop, dt.date(2025, 9, 15), None)
    when = dt.datetime(at.year, at.month, at.day, 4, tzinfo=dt.UTC)
    got = TenancySource().supply(id_number=rent.tenant.id_number, at=when)
    assert got is not None and got.facts == {"months": 6 if ok else 5}
    spec = item_file_read(ITEMS_DIR / "residence_permit.yaml").spec
    form = {"basis": "residence", "months_resident": 12, "address": "x"}
    facts = eligibility_facts(at=at, form=form, supplied={"tenancy": got.facts})
    assert [f.rule for f in item_eligibility(spec=spec, facts=facts)] == ([] if ok else ["half_year"])
    assert TenancySource().supply(id_number=rent.landlord.id_number, at=when) is None  # no record: form decides


def test_the_landlord_confirms_with_a_confirm_button_in_english(rent: Any, api: Any) -> None:
    """确认 is "Confirm" here; photos' 确认 (a capture's review) has a context of its own."""
    from django.conf import settings

    rent.moved_in(rent.approved())
    client = api(rent.landlord)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/rentals/").content.decode()
    assert '<button type="submit" name="action" value="confirm">Confirm</button>' in html
    assert ">Review<" not in html


def test_the_landlord_answers_a_declaration_on_the_property_page(rent: Any, api: Any) -> None:
    """The property page listed 待房东确认 with no way to answer; the answer returns to it."""
    prop = rent.approved()
    t = rent.moved_in(prop)
    client = api(rent.landlord)
    page = f"/rentals/p/{prop.number}/"
    html = client.get(page).content.decode()
    assert f'action="/rentals/tenancies/{t.pk}/"' in html and 'value="confirm"' in html
    r = client.post(f"/rentals/tenancies/{t.pk}/", {"action": "confirm", "back": page})
    assert r.status_code == 302 and r["Location"] == page
    t.refresh_from_db()
    assert t.state == TenancyState.CONFIRMED
    # the tenant and the officer read the table, without the landlord's buttons
    assert 'value="confirm"' not in api(rent.officer).get(page).content.decode()
