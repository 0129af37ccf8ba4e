"""The synthetic city generator: valid and unique identities, determinism, households, integrity."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q

from tongban.common.ids import parse_id_number, region_codes
from tongban.registry.generator import (
    MODELS,
    RegistryNotEmpty,
    city_generate,
    columns_of,
    iter_chunks,
    load_city,
)
from tongban.registry.generator.arrays import CHUNK_PEOPLE, LONG_TERM
from tongban.registry.models import (
    Address,
    Dog,
    DriverLicence,
    Household,
    IdentityDocument,
    MedicalCheck,
    Person,
    Region,
    Vehicle,
)

AS_OF = dt.date(2026, 3, 10)
NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
PHONE_PREFIXES = {"13", "14", "15", "16", "17", "18", "19"}


def _generate(people: int = 3000, seed: int = 7, replace: bool = False) -> Any:
    return city_generate(people=people, seed=seed, as_of=AS_OF, now=NOW, replace=replace)


def _pure(people: int, seed: int) -> list[dict[str, Any]]:
    return list(iter_chunks(city=load_city("3301"), people=people, seed=seed, as_of=AS_OF))


def _digest() -> str:
    """A hash of every registry row in primary-key order."""
    h = hashlib.sha256()
    for model in MODELS.values():
        cols = columns_of(model)
        for row in model._base_manager.order_by("pk").values_list(*cols):
            h.update(repr(row).encode())
    return h.hexdigest()


@pytest.mark.django_db
def test_every_id_number_is_valid_unique_and_matches_the_person() -> None:
    report = _generate(3000)
    assert report.rows["person"] == 3000
    rows = list(Person.objects.values_list("id_number", "gender", "birth_date", "hukou_region", "household_id"))
    assert len(rows) == 3000
    assert len({r[0] for r in rows}) == 3000
    districts = {d.code for d in load_city("3301").districts}
    for number, gender, birth, hukou, household in rows:
        info = parse_id_number(number, today=AS_OF)  # raises on any invalid number
        assert info.gender == gender
        assert info.birth_date == birth
        if household is None:  # a migrant: registered where they were born
            assert hukou == number[:6]
            assert hukou not in districts
        else:
            assert hukou in districts


@pytest.mark.django_db
def test_generation_is_deterministic_for_a_seed_and_differs_across_seeds() -> None:
    _generate(1500, seed=11)
    first = _digest()
    _generate(1500, seed=11, replace=True)
    assert _digest() == first
    _generate(1500, seed=12, replace=True)
    assert _digest() != first


def test_chunks_are_identical_for_the_same_seed_across_chunk_boundaries() -> None:
    people = CHUNK_PEOPLE + 700  # two chunks: the second starts from the first one's state
    a, b = _pure(people, 5), _pure(people, 5)
    assert len(a) == 2
    for ca, cb in zip(a, b, strict=True):
        for table in ca:
            for column in ca[table]:
                va, vb = ca[table][column], cb[table][column]
                if isinstance(va, list):
                    assert va == vb, (table, column)
                else:
                    assert np.array_equal(va, vb, equal_nan=va.dtype.kind in "fM"), (table, column)
    numbers = [n for chunk in a for n in chunk["person"]["id_number"]]
    assert len(set(numbers)) == people
    phones = [p for chunk in a for p in chunk["person"]["phone"] if p]
    assert len(set(phones)) == len(phones)
    assert all(len(p) == 11 and p[:2] in PHONE_PREFIXES for p in phones)
    plates = [p for chunk in a for p in chunk["vehicle"]["plate"]]
    assert len(set(plates)) == len(plates) and all(p.startswith("浙A") for p in plates)


@pytest.mark.django_db
def test_households_have_realistic_sizes_and_one_head() -> None:
    _generate(6000)
    family = Household.objects.filter(kind="family").annotate(
        n=Count("members"), heads=Count("members", filter=Q(members__relation="户主"))
    )
    sizes = [h.n for h in family]
    assert min(sizes) >= 1
    assert 2.3 <= sum(sizes) / len(sizes) <= 2.9
    assert Counter(sizes)[1] / len(sizes) > 0.15  # single-person households are common
    assert max(sizes) <= 6
    assert all(h.heads == 1 for h in family)
    collective = Household.objects.filter(kind="collective")
    assert collective.exists()
    assert not Person.objects.filter(household__kind="collective").exclude(relation="集体户成员").exists()
    # a spouse is of the other sex than the head, children are younger than the head
    for h in family.filter(n__gte=3)[:300]:
        members = {p.relation: p for p in h.members.all()}
        head = members["户主"]
        if "配偶" in members:
            assert members["配偶"].gender != head.gender
        for rel in ("子", "女"):
            if rel in members:
                assert members[rel].birth_date > head.birth_date


@pytest.mark.django_db
def test_referential_integrity_and_everyone_lives_somewhere() -> None:
    _generate(3000)
    assert not Person.objects.filter(household__isnull=True, residence__isnull=True).exists()
    assert not Person.objects.filter(household__isnull=False, residence__isnull=False).exists()
    migrants = Person.objects.filter(household__isnull=True)
    assert 0.3 < migrants.count() / 3000 < 0.5
    assert not migrants.filter(residence_since__isnull=True).exists()
    assert not migrants.filter(residence_since__gt=AS_OF).exists()
    # every address hangs off a community, under a street, district, city and province
    assert not Address.objects.exclude(community__level="community").exists()
    assert not Address.objects.exclude(community__parent__parent__level="district").exists()
    for addr in Address.objects.select_related("community__parent__parent")[:200]:
        street = addr.community.parent
        assert street is not None and street.parent is not None
        assert street.parent.code == addr.district_code
        assert addr.full.startswith("浙江省杭州市")
        assert addr.lat is not None and addr.lng is not None
        assert 29.0 < addr.lat < 30.8 and 118.6 < addr.lng < 121.0
    region_codes_db = set(Region.objects.values_list("code", flat=True))
    assert {"330000", "330100", "330102", "330111", "330182"} <= region_codes_db
    assert not Region.objects.filter(level="street", parent__level="district").exclude(code__startswith="33").exists()
    person_ids = set(Person.objects.values_list("id", flat=True))
    for model, field in (
        (IdentityDocument, "person_id"),
        (DriverLicence, "person_id"),
        (Vehicle, "owner_id"),
        (MedicalCheck, "person_id"),
        (Dog, "owner_id"),
    ):
        referenced = set(model.objects.values_list(field, flat=True))
        assert referenced, model
        assert referenced <= person_ids, model
    assert not Household.objects.filter(address__isnull=True).exists()


@pytest.mark.django_db
def test_documents_follow_the_law_on_validity() -> None:
    _generate(3000)
    cards = IdentityDocument.objects.filter(kind="id_card").select_related("person")
    assert cards.count() >= 2000
    for card in cards:
        age_at_issue = (card.issued_on - card.person.birth_date).days / 365.2425
        assert card.number == card.person.id_number
        if card.expires_on is None:
            assert age_at_issue >= 45.9  # long-term from 46
            continue
        years = card.expires_on.year - card.issued_on.year
        expected = 5 if age_at_issue < 16 else 10 if age_at_issue < 26 else 20
        assert years == expected, (age_at_issue, years)
    assert cards.filter(expires_on__isnull=True).exists()
    # adults hold a card; the unrenewed few are expired, not missing
    adults = Person.objects.filter(birth_date__lte=dt.date(2008, 3, 10))
    assert not adults.exclude(documents__kind="id_card").exists()
    assert IdentityDocument.objects.filter(kind="passport").exists()
    assert not IdentityDocument.objects.filter(kind="residence_permit", person__household__isnull=False).exists()
    permits = IdentityDocument.objects.filter(kind="residence_permit").select_related("person")
    assert permits.exists()
    for permit in permits:  # a residence permit is endorsed yearly, after six months of residence
        assert permit.expires_on is not None and permit.person.residence_since is not None
        assert 365 <= (permit.expires_on - permit.issued_on).days <= 366
        assert (permit.issued_on - permit.person.residence_since).days >= 183
    licences = DriverLicence.objects.select_related("person")
    adults_n = adults.count()
    assert 0.3 < licences.count() / adults_n < 0.5
    for lic in licences:
        assert lic.first_issued >= lic.person.birth_date.replace(year=lic.person.birth_date.year + 18) - dt.timedelta(1)
        assert lic.first_issued <= AS_OF
        if lic.status == "valid":
            assert lic.valid_until >= AS_OF
    assert licences.filter(valid_until=LONG_TERM.astype(dt.date)).exists()
    for check in MedicalCheck.objects.all():
        assert (check.valid_until - check.checked_on).days == 183


def test_districts_follow_the_weights_and_trucks_cover_the_pass_rules() -> None:
    city = load_city("3301")
    chunk = _pure(40_000, 3)[0]
    person = chunk["person"]
    local = np.asarray(person["household_id"]) > 0
    hukou = np.asarray(person["hukou_region"])
    counts = Counter(hukou[local].tolist())
    w = {d.code: d.weight * (1 - d.migrant_share) for d in city.districts}
    total_w = sum(w.values())
    for code, weight in w.items():
        assert abs(counts[code] / local.sum() - weight / total_w) < 0.015, code
    # migrants are spread by where migrants live (residence district), born elsewhere
    migrant_regions = {r[:2] for r in hukou[~local].tolist()}
    assert len(migrant_regions) >= 10
    assert all(r in region_codes() for r in hukou[~local].tolist())
    v = chunk["vehicle"]
    kinds = np.array(v["kind"])
    length, gross = np.asarray(v["length_mm"]), np.asarray(v["gross_kg"])
    vans = kinds == "van"
    assert ((length <= 6000) & (gross <= 8000) & vans).any()  # count as light trucks
    assert (((length > 6000) | (gross > 8000)) & vans).any()  # do not
    heavy = kinds == "heavy_truck"
    assert heavy.any() and (gross[heavy] > 12000).all()
    # education data the settlement rules need
    edu = np.array(person["education"])
    grad = np.asarray(person["graduated_on"])
    recent = (edu == "bachelor") & (grad >= np.datetime64(AS_OF) - np.timedelta64(730, "D"))
    assert recent.sum() > 100
    birth = np.asarray(person["birth_date"])
    masters_45 = (edu == "master") & (birth >= np.datetime64("1980-03-11"))
    assert masters_45.sum() > 100
    assert (
        np.asarray(person["insured_since"])[~np.isnat(np.asarray(person["insured_since"]))] <= np.datetime64(AS_OF)
    ).all()


@pytest.mark.django_db
def test_refuses_a_non_empty_registry_and_replace_unlinks_accounts() -> None:
    from tongban.accounts.models import User

    _generate(500)
    with pytest.raises(RegistryNotEmpty):
        _generate(500)
    person = Person.objects.order_by("pk").first()
    assert person is not None
    user = User.objects.create(username="linked", person=person)
    before = Person.objects.count()
    _generate(400, seed=99, replace=True)
    assert Person.objects.count() == 400 != before
    user.refresh_from_db()
    assert user.person_id is None
    # the sequences moved past the generated keys: ordinary inserts still work
    hh = Household.objects.first()
    assert hh is not None
    created = Person.objects.create(
        id_number="11010519491231002X",
        name="测试",
        gender="F",
        birth_date=dt.date(1949, 12, 31),
        hukou_region="110105",
        household=hh,
    )
    assert created.pk > 400


@pytest.mark.django_db
def test_command_generates_and_refuses_without_replace() -> None:
    from io import StringIO

    out = StringIO()
    call_command("gen_city", people=300, seed=1, as_of=AS_OF, stdout=out)
    assert "300 people" in out.getvalue()
    assert Person.objects.count() == 300
    with pytest.raises(CommandError, match="--replace"):
        call_command("gen_city", people=300, seed=1, as_of=AS_OF, stdout=StringIO())
    with pytest.raises(CommandError, match="no city definition"):
        call_command("gen_city", people=300, seed=1, city="9999", replace=True, stdout=StringIO())
    assert Person.objects.count() == 300  # a refused run left the registry as it was


@pytest.mark.parametrize("people", [1, 2, 7])
def test_tiny_cities_have_exactly_the_people_asked_for(people: int) -> None:
    chunks = _pure(people, people)
    numbers = [n for c in chunks for n in c["person"]["id_number"]]
    assert len(numbers) == len(set(numbers)) == people
    for n in numbers:
        parse_id_number(n, today=AS_OF)
    households = np.asarray(chunks[0]["person"]["household_id"])
    residences = np.asarray(chunks[0]["person"]["residence_id"])
    assert ((households > 0) ^ (residences > 0)).all()


@pytest.mark.django_db
def test_replace_is_refused_while_cases_point_at_registry_people() -> None:
    from django.apps import apps

    from tongban.registry.generator import RegistryInUse

    case_model = apps.get_model("cases", "Case")
    _generate(300)
    person = Person.objects.order_by("pk").first()
    assert person is not None
    fields = {f.name: f for f in case_model._meta.concrete_fields}
    case_model.objects.create(
        number="TEST-REPLACE-1",
        item_code="T",
        item_version=1,
        item_name="测试",
        person=person,
        department=fields["department"].choices[0][0],
        channel=fields["channel"].choices[0][0],
        applicant_id_number=person.id_number,
        applicant_name=person.name,
        submitted_at=NOW,
        updated_at=NOW,
    )
    before = _digest()
    with pytest.raises(RegistryInUse, match=r"cases_case\.person_id"):
        _generate(300, seed=8, replace=True)
    assert _digest() == before  # nothing was replaced
