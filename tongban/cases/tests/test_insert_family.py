"""A submission's rows (case, materials, first event, idempotency key) written by one statement on
PostgreSQL (``_insert_family``) land exactly as the ORM would write them, on every database."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.conf import settings
from django.db import DataError, connection, connections, models, transaction
from django.test.utils import CaptureQueriesContext

from tongban.audit.models import AuditEntry, AuditHead
from tongban.audit.services import audit_verify
from tongban.cases.models import Case, CaseEvent, CaseMaterial, SubmitKey
from tongban.cases.services import _insert_family, case_submit

from .conftest import submit

pytestmark = pytest.mark.django_db


def test_every_row_gets_its_own_key_and_values(personas: Any, items: None, now: dt.datetime) -> None:
    done = case_submit(
        actor=personas.citizen,
        item_code="t_permit",
        now=now,
        form={"months_resident": 12, "basis": "employment", "address": "杭州市西湖区文三路 1 号"},
        channel="online",
        idempotency_key="family-1",
    )
    case = done.case
    assert done.materials is not None and done.events is not None
    assert len(done.materials) >= 2  # several material rows in one statement
    stored = {m.pk: m for m in CaseMaterial.objects.filter(case=case)}
    assert sorted(stored) == sorted(m.pk for m in done.materials)
    for m in done.materials:  # each object got the key of its own row, not a neighbour's
        row = stored[m.pk]
        assert (row.code, row.state, row.source, row.required, row.facts) == (
            m.code,
            m.state,
            m.source,
            m.required,
            m.facts,
        )
        assert m.case_id == case.pk
    event = CaseEvent.objects.get(case=case)
    assert event.pk == done.events[0].pk and event.to_status == "submitted" and event.data["channel"] == "online"
    assert event.at == now and event.actor_id == personas.citizen.pk
    key = SubmitKey.objects.get(key="family-1")
    assert key.case_id == case.pk and key.user_id == personas.citizen.pk
    again = Case.objects.get(pk=case.pk)
    assert again.form_data == case.form_data and again.submitted_at == now and again.number == case.number


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce VARCHAR lengths")
def test_an_over_long_value_is_refused_not_cut(personas: Any, items: None, now: dt.datetime) -> None:
    case = submit(personas.citizen, now=now)
    twin = Case.objects.get(pk=case.pk)
    twin.pk, twin.number = None, case.number + "-x"
    material = CaseMaterial(case=twin, code="x", name_zh="长" * 121, state="missing", updated_at=now)
    with pytest.raises(DataError), transaction.atomic():
        _insert_family(twin, [[material]])
    assert not Case.objects.filter(number=case.number + "-x").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_a_submission_is_one_write_statement(
    personas: Any, items: None, now: dt.datetime
) -> None:
    """After the number, the rows and the audit entry are one autocommitted statement."""
    submit(personas.citizen, now=now)  # the first append creates the audit heads (the fallback)
    with CaptureQueriesContext(connection) as queries:
        case = submit(personas.citizen, now=now, idempotency_key="one-statement")
    sql = [q["sql"] for q in queries.captured_queries]
    writes = [s for s in sql if not s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in sql if s.upper() in ("BEGIN", "COMMIT") or s.upper().startswith("SAVEPOINT")]
    assert len(writes) == 2, writes  # the counter, then everything else
    assert "cases_casecounter" in writes[0] and "audit_auditentry" in writes[1] and "cases_case" in writes[1]
    entry = AuditEntry.objects.get(action="case.submit", object_id=case.number)
    assert entry.data["materials"] == {m.code: m.state for m in CaseMaterial.objects.filter(case=case)}
    assert SubmitKey.objects.get(key="one-statement").case_id == case.pk
    assert audit_verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_every_audit_chain_busy_the_submission_waits_and_lands(
    personas: Any, items: None, now: dt.datetime
) -> None:
    """No free head: the one statement writes nothing, and the transactional way waits for chain 1."""
    submit(personas.citizen, now=now)
    AuditHead.objects.bulk_create([AuditHead(id=i) for i in range(1, settings.AUDIT_CHAINS + 1)], ignore_conflicts=True)
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def holder() -> None:
        try:
            with transaction.atomic():
                list(AuditHead.objects.select_for_update())
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    result: list[Any] = []
    errors: list[BaseException] = []

    def submitter() -> None:
        try:
            result.append(submit(personas.citizen, now=now, idempotency_key="busy-chains"))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            done.set()
            connections.close_all()

    try:
        assert held.wait(10)
        other = threading.Thread(target=submitter)
        other.start()
        assert not done.wait(0.5), errors  # it waits for a head rather than writing without its entry
    finally:
        release.set()
        thread.join()
    other.join(10)
    assert result, "the submission did not finish"
    case = result[0]
    assert Case.objects.filter(pk=case.pk).exists()
    assert AuditEntry.objects.filter(action="case.submit", object_id=case.number).count() == 1
    assert audit_verify().ok


def test_json_values_are_prepared_as_the_orm_prepares_them() -> None:
    from tongban.cases.services import _column

    fields = {f.name: f for f in Case._meta.concrete_fields}
    case = Case(number=12, item_version="7", under_commitment=True, submitted_at=dt.datetime(2026, 3, 10, 10, 0))
    assert _column(fields["number"]).value(case) == "12"  # str(), as CharField.get_prep_value
    assert _column(fields["item_version"]).value(case) == 7
    assert _column(fields["under_commitment"]).value(case) is True
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        when = _column(fields["submitted_at"]).value(case)
    assert dt.datetime.fromisoformat(when).tzinfo is not None  # made aware in the default zone
    case.item_version = True  # an int field given a bool: int(True), as the ORM sends
    assert _column(fields["item_version"]).value(case) == 1
    assert _column(fields["form_data"]).value(Case(form_data={"a": [1, "二"]})) == {"a": [1, "二"]}


def test_a_field_kind_it_cannot_write_is_refused_when_planned() -> None:
    from tongban.cases.services import _column

    with pytest.raises(TypeError, match="cannot write"):
        _column(models.DecimalField(max_digits=5, decimal_places=2, name="fee"))
