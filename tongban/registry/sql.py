"""The plain SQL of the registry reads (the one place for it in this module; HANDBOOK-dev.md says
when plain SQL is allowed): the applicant with their current ID card.

Every submission reads its applicant (``person_on_file``), and most items then ask the ID-card
source about them: ``person_row`` reads both in one indexed statement. ``person_row_orm`` is the
same read in the ORM (a queryset with two subqueries), the reference its test compares with
(registry/tests/test_sql.py, on SQLite in make test and on PostgreSQL in CI).

Measured gain (PostgreSQL, the 1,000,000-case bench database of bench/bench_cases.py, this 2-core
machine shared with other jobs at a load average of 16-20, 2026-12-07,
``.venv/bin/python bench/person_timing.py``, two runs): 991 against 100 and 1,883 against 224
reads/s on one connection (8-10x), each the median of 5 rounds of 500 people. The read is on the
submit floor (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.db import connection
from django.db.models import OuterRef, Subquery

from tongban.registry.models import IdentityDocument, Person
from tongban.registry.sources import IdCard, OnFile


@cache
def _person_sql(vendor: str, where: str) -> str:
    qn = connection.ops.quote_name
    columns = ", ".join(f"p.{qn(f.column)}" for f in Person._meta.concrete_fields)
    card = (
        f"FROM {qn(IdentityDocument._meta.db_table)} d WHERE d.person_id = p.id AND d.kind = 'id_card' "
        "ORDER BY d.issued_on DESC, d.id DESC LIMIT 1"
    )
    # Names come from the models' metadata; the one value is a parameter.
    return (
        f"SELECT {columns}, (SELECT d.id {card}), (SELECT d.expires_on {card}) "  # noqa: S608
        f"FROM {qn(Person._meta.db_table)} p WHERE p.{qn(where)} = %s"
    )


def person_row(*, id_number: str | None = None, pk: int | None = None) -> OnFile | None:
    """The person by key or ID number with their current ID card (None: no card); None when
    unknown. (Person has no fields needing conversion from the database.)"""
    fields = Person._meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            _person_sql(connection.vendor, "id" if pk is not None else "id_number"),
            [pk if pk is not None else id_number],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    n = len(fields)
    person = Person.from_db(connection.alias, [f.attname for f in fields], row[:n])
    card_id, expires = row[n], row[n + 1]
    if isinstance(expires, str):  # SQLite gives a subquery's date as text
        expires = dt.date.fromisoformat(expires)
    return OnFile(person, None if card_id is None else IdCard(expires))


def person_row_orm(*, id_number: str | None = None, pk: int | None = None) -> OnFile | None:
    """What ``person_row`` does, in the ORM (the reference its test compares with)."""
    card = IdentityDocument.objects.filter(person=OuterRef("pk"), kind="id_card").order_by("-issued_on", "-id")
    lookup: dict[str, object] = {"pk": pk} if pk is not None else {"id_number": id_number}
    person = (
        Person.objects.annotate(
            card_id=Subquery(card.values("id")[:1]), card_expires=Subquery(card.values("expires_on")[:1])
        )
        .filter(**lookup)
        .first()
    )
    if person is None:
        return None
    card_id, expires = person.card_id, person.card_expires
    return OnFile(person, None if card_id is None else IdCard(expires))
