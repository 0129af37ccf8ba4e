"""registry/sql.py's plain read of the applicant and their current ID card answers as its ORM
twin (on SQLite in make test, on PostgreSQL in CI): by key and by ID number, with no card, the
latest of several, a card without an expiry, and for an unknown person."""

import datetime as dt

import pytest

from tongban.registry.models import IdentityDocument, Person
from tongban.registry.sources import IdCard
from tongban.registry.sql import person_row, person_row_orm

pytestmark = pytest.mark.django_db


def _same(person: Person) -> tuple[IdCard | None, IdCard | None]:
    by_pk = person_row(pk=person.pk), person_row_orm(pk=person.pk)
    by_number = person_row(id_number=person.id_number), person_row_orm(id_number=person.id_number)
    for raw, orm in (by_pk, by_number):
        assert raw is not None and orm is not None
        fields = [f.attname for f in Person._meta.concrete_fields]
        assert [getattr(raw.person, f) for f in fields] == [getattr(orm.person, f) for f in fields]
        assert raw.id_card == orm.id_card
    return by_pk[0].id_card, by_number[0].id_card  # type: ignore[union-attr]


def test_the_sql_and_the_orm_read_the_same_person_and_card(personas) -> None:
    person = personas.citizen.person
    assert _same(person) == (None, None)

    def card(issued: dt.date, expires: dt.date | None) -> None:
        IdentityDocument.objects.create(
            person=person, kind="id_card", number=person.id_number, issued_on=issued, expires_on=expires
        )

    card(dt.date(2006, 5, 1), dt.date(2026, 5, 1))
    card(dt.date(2016, 5, 1), dt.date(2036, 5, 1))
    IdentityDocument.objects.create(person=person, kind="passport", number="E1", issued_on=dt.date(2024, 1, 1))
    latest, _ = _same(person)
    assert latest is not None and latest.expires_on == dt.date(2036, 5, 1)
    card(dt.date(2025, 5, 1), None)  # 长期: no expiry
    lifelong, _ = _same(person)
    assert lifelong is not None and lifelong.expires_on is None
    _same(personas.other_citizen.person)
    assert person_row(id_number="nobody") is None and person_row_orm(id_number="nobody") is None
    assert person_row(pk=-1) is None and person_row_orm(pk=-1) is None
