"""The RegistrySource adapters answer "can this material be supplied from data we hold?"."""

import datetime as dt
from typing import Any

import pytest

from tongban.registry.models import DriverLicence, IdentityDocument, MedicalCheck, Vehicle
from tongban.registry.selectors import person_for_sources, person_on_file, registry_sources, registry_supply

AT = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


def test_every_configured_source_is_an_adapter(settings) -> None:
    sources = registry_sources()
    assert set(sources) == set(settings.REGISTRY_SOURCES)
    for code, source in sources.items():
        assert source.code == code and source.label


def test_hukou_supplies_the_household_with_provenance(personas) -> None:
    person = personas.citizen.person
    supplied = registry_supply(source="hukou", id_number=person.id_number, at=AT)
    assert supplied is not None
    assert supplied.source == "hukou" and supplied.fetched_at == AT
    assert supplied.facts["household"] == person.household.number and supplied.facts["local"] is True
    assert person.household.address.full not in str(supplied.facts)  # the address leaves masked


def test_unknown_person_gets_nothing(db) -> None:
    for code in registry_sources():
        assert registry_supply(source=code, id_number="11010519491231002X", at=AT) is None


def test_licence_vehicle_and_medical_check(personas) -> None:
    person = personas.citizen.person
    assert registry_supply(source="driver_licence", id_number=person.id_number, at=AT) is None
    DriverLicence.objects.create(
        person=person, vehicle_class="C1", first_issued=dt.date(2012, 1, 1), valid_until=dt.date(2028, 1, 1)
    )
    Vehicle.objects.create(
        plate="浙A12345", owner=person, kind="van", length_mm=5990, gross_kg=4495, registered_on=dt.date(2020, 1, 1)
    )
    MedicalCheck.objects.create(
        person=person,
        hospital="杭州市第一人民医院",
        checked_on=dt.date(2025, 1, 1),
        passed=True,
        valid_until=dt.date(2026, 1, 1),
    )
    lic = registry_supply(source="driver_licence", id_number=person.id_number, at=AT)
    assert lic is not None and lic.facts["vehicle_class"] == "C1"
    vehicles = registry_supply(source="vehicle", id_number=person.id_number, at=AT)
    assert vehicles is not None and vehicles.facts["vehicles"][0]["length_mm"] == 5990
    # An expired medical check cannot replace a new one.
    assert registry_supply(source="medical_check", id_number=person.id_number, at=AT) is None
    MedicalCheck.objects.create(
        person=person,
        hospital="杭州市第一人民医院",
        checked_on=dt.date(2026, 3, 1),
        passed=True,
        valid_until=dt.date(2026, 9, 1),
    )
    check = registry_supply(source="medical_check", id_number=person.id_number, at=AT)
    assert check is not None and check.facts["checked_on"] == "2026-03-01"


def test_id_card_source_reports_document_expiry(personas) -> None:
    person = personas.citizen.person
    IdentityDocument.objects.create(
        person=person,
        kind="id_card",
        number=person.id_number,
        issued_on=dt.date(2016, 5, 1),
        expires_on=dt.date(2036, 5, 1),
    )
    supplied = registry_supply(source="id_card", id_number=person.id_number, at=AT)
    assert supplied is not None and supplied.facts["expires_on"] == "2036-05-01"


def test_the_card_read_with_the_person_is_what_the_source_reads_alone(personas, django_assert_num_queries) -> None:
    """person_on_file reads the current ID card in its own statement; the source then asks
    nothing more and answers exactly as it does on its own: no card, the latest of several, a
    card without an expiry."""
    person = personas.citizen.person
    source: Any = registry_sources()["id_card"]  # a built-in source: it also takes the loaded person

    def both() -> tuple:
        with django_assert_num_queries(1):
            loaded = person_on_file(pk=person.pk)
            preloaded = source.supply(id_number=person.id_number, at=AT, on_file=loaded)
        return preloaded, registry_supply(source="id_card", id_number=person.id_number, at=AT)

    with_none = both()
    assert with_none[0] == with_none[1] and "expires_on" not in with_none[0].facts

    def card(issued: dt.date, expires: dt.date | None) -> None:
        IdentityDocument.objects.create(
            person=person, kind="id_card", number=person.id_number, issued_on=issued, expires_on=expires
        )

    card(dt.date(2006, 5, 1), dt.date(2026, 5, 1))
    card(dt.date(2016, 5, 1), dt.date(2036, 5, 1))
    IdentityDocument.objects.create(person=person, kind="passport", number="E1", issued_on=dt.date(2024, 1, 1))
    latest = both()
    assert latest[0] == latest[1] and latest[0].facts["expires_on"] == "2036-05-01"
    card(dt.date(2025, 5, 1), None)  # 长期: no expiry
    lifelong = both()
    assert lifelong[0] == lifelong[1] and lifelong[0].facts["expires_on"] is None
    found = person_for_sources(id_number=person.id_number)
    assert found is not None and found.pk == person.pk
    assert person_for_sources(id_number="11010519491231002X") is None


@pytest.mark.django_db
def test_unknown_source_code_is_a_configuration_error() -> None:
    with pytest.raises(KeyError):
        registry_supply(source="no_such_source", id_number="11010519491231002X", at=AT)
