"""The one intake action (``case_submit``): the rows it writes, a clerk's decision in the same
transaction with one audit entry per move, one read of the registry per submission, and no
hand-written INSERT left to break when a model gains a field."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongban.audit.models import AuditEntry, AuditHead
from tongban.audit.services import audit_verify
from tongban.cases.models import Case, CaseEvent, CaseMaterial, SubmitKey
from tongban.cases.services import Decision, case_submit

from .conftest import submit

pytestmark = pytest.mark.django_db
TONGBAN = Path(__file__).resolve().parents[2]
PERMIT = {"months_resident": 12, "basis": "employment", "address": "杭州市西湖区文三路 1 号"}


def test_every_row_gets_its_own_key_and_values(personas: Any, items: None, now: dt.datetime) -> None:
    done = case_submit(
        actor=personas.citizen, item_code="t_permit", now=now, form=PERMIT, channel="online", idempotency_key="k-1"
    )
    case = done.case
    assert done.materials is not None and done.events is not None
    assert len(done.materials) >= 2
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
    key = SubmitKey.objects.get(key="k-1")
    assert key.case_id == case.pk and key.user_id == personas.citizen.pk
    again = Case.objects.get(pk=case.pk)
    assert again.form_data == case.form_data and again.submitted_at == now and again.number == case.number


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]


@pytest.mark.parametrize("kind", ["accept", "commitment", "refuse"])
def test_a_window_decision_is_one_transaction_with_one_audit_entry_per_move(
    items: None, personas: Any, now: dt.datetime, kind: str
) -> None:
    """Submitted and decided in one atomic block: one INSERT of the case (already in its final
    state, no UPDATE of it), two history rows, two audit entries (one per move)."""
    walk_in = personas.other_citizen.person.id_number
    presented = ["photo", "basis_proof"] if kind == "accept" else ["photo"]
    reason = "非本人申请" if kind == "refuse" else ""
    entries_before = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        done = case_submit(
            actor=personas.clerk,
            item_code="t_permit",
            form=PERMIT,
            channel="window",
            now=now,
            id_number=walk_in,
            presented=presented,
            idempotency_key=f"window:{kind}",
            decision=Decision(kind, reason),  # type: ignore[arg-type]
        )
    writes = _writes(queries)
    # The number is drawn before the transaction (its own statement); then one atomic block that
    # holds every other write (a message to the applicant may nest its own savepoint inside it).
    opened = [i for i, w in enumerate(writes) if re.match(r"(?i)^savepoint\b", w)]
    assert opened, writes
    name = writes[opened[0]].split()[-1]
    closed = [i for i, w in enumerate(writes) if re.match(rf"(?i)^release savepoint {re.escape(name)}$", w)]
    assert len(closed) == 1 and closed[0] == len(writes) - 1, writes  # nothing written after it
    assert all(re.match(r"(?i)^insert into \"?cases_casecounter", w) for w in writes[: opened[0]]), writes
    case_table = Case._meta.db_table
    assert len([w for w in writes if re.match(rf'(?i)^insert into "?{case_table}"? ', w)]) == 1, writes
    assert not [w for w in writes if re.match(rf'(?i)^update "?{case_table}"? ', w)], writes
    case = Case.objects.get(pk=done.case.pk)
    target = {"accept": "accepted", "commitment": "accepted", "refuse": "refused_at_intake"}[kind]
    assert case.status == target and done.created
    assert list(case.events.order_by("at", "pk").values_list("to_status", flat=True)) == ["submitted", target]
    actions = list(AuditEntry.objects.filter(object_id=case.number).order_by("id").values_list("action", flat=True))
    assert actions == ["case.submit", "case.accepted" if target == "accepted" else "case.refused_at_intake"]
    assert AuditEntry.objects.count() == entries_before + 2
    states = dict(case.materials.values_list("code", "state"))
    if kind == "commitment":
        assert case.under_commitment and case.commitment_due_at is not None and "promised" in states.values()
    if kind == "refuse":
        assert case.reason == "非本人申请" and case.closed_at == now and case.deadline_at is None
    else:
        assert case.accepted_at == now and case.deadline_at is not None
    assert audit_verify().ok


def test_a_refused_decision_files_nothing(items: None, personas: Any, now: dt.datetime) -> None:
    """Accepting with materials missing and no 告知承诺 fails the whole intake: no case, no entry."""
    from tongban.common.errors import Conflict

    before = (Case.objects.count(), AuditEntry.objects.count(), SubmitKey.objects.count())
    with pytest.raises(Conflict) as refused:
        case_submit(
            actor=personas.clerk,
            item_code="t_permit",
            form=PERMIT,
            channel="window",
            now=now,
            id_number=personas.other_citizen.person.id_number,
            idempotency_key="window:missing",
            decision=Decision("accept"),
        )
    assert refused.value.code == "materials_missing"
    assert (Case.objects.count(), AuditEntry.objects.count(), SubmitKey.objects.count()) == before


def test_the_workbench_files_and_accepts_in_one_transaction(items: None, personas: Any, api: Any) -> None:
    clerk = api(personas.clerk)
    walk_in = personas.other_citizen.person.id_number
    url = reverse("web:workbench")
    html = clerk.post(url, {"id_number": walk_in, "item": "t_permit"}).content.decode()
    token = re.search(r'name="submit_token" value="([0-9a-f]+)"', html)
    assert token
    body = {
        "id_number": walk_in,
        "item": "t_permit",
        "submit_token": token.group(1),
        "months_resident": "7",
        "basis": "residence",
        "presented": ["photo"],
        "decision": "commitment",
    }
    with CaptureQueriesContext(connection) as queries:
        r = clerk.post(url, body)
    assert r.status_code == 302
    case = Case.objects.get()
    assert not [w for w in _writes(queries) if re.match(rf'(?i)^update "?{Case._meta.db_table}"? ', w)]
    actions = list(AuditEntry.objects.filter(object_id=case.number).values_list("action", flat=True))
    assert sorted(actions) == ["case.accepted", "case.submit"]


def test_the_api_takes_a_clerks_decision_too(items: None, personas: Any, api: Any) -> None:
    """The same intake action behind POST /api/v1/cases/: a clerk files and accepts at once; a
    citizen cannot decide (nothing filed); a refusal needs its reason (nothing filed)."""
    walk_in = personas.other_citizen.person.id_number
    body = {"item_code": "t_permit", "form": PERMIT, "channel": "window", "id_number": walk_in}
    clerk = api(personas.clerk)
    r = clerk.post("/api/v1/cases/", {**body, "decision": "refuse"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "reason_required"
    citizen = api(personas.citizen)
    own = {"item_code": "t_permit", "form": PERMIT, "decision": "accept"}
    r = citizen.post("/api/v1/cases/", own, content_type="application/json")
    assert r.status_code == 403
    assert not Case.objects.exists()
    r = clerk.post(
        "/api/v1/cases/",
        {**body, "presented": ["photo", "basis_proof"], "decision": "accept"},
        content_type="application/json",
        headers={"Idempotency-Key": "api-accept"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "accepted" and [e["to_status"] for e in r.json()["events"]] == [
        "submitted",
        "accepted",
    ]
    number = r.json()["number"]
    actions = list(AuditEntry.objects.filter(object_id=number).order_by("id").values_list("action", flat=True))
    assert actions == ["case.submit", "case.accepted"]


class _Counting:
    """A registry source that counts how often it is asked."""

    def __init__(self, inner: Any, calls: Counter[str]) -> None:
        self.inner, self.calls = inner, calls
        self.code, self.label = inner.code, inner.label
        self.takes_person = getattr(inner, "takes_person", False)

    def supply(self, **kwargs: Any) -> Any:
        self.calls[self.code] += 1
        return self.inner.supply(**kwargs)


@pytest.mark.parametrize("who", ["citizen", "clerk"])
def test_an_eligibility_item_reads_the_registry_once_per_submission(
    items: None, personas: Any, now: dt.datetime, monkeypatch: pytest.MonkeyPatch, who: str
) -> None:
    """t_permit has eligibility rules and registry-supplied materials: each source is asked once,
    the applicant read once, and the photo library asked once per photo material."""
    from tongban.cases import selectors as case_selectors
    from tongban.catalog.selectors import item_get, spec_sources
    from tongban.registry import selectors as registry

    spec = item_get(code="t_permit")
    assert spec.eligibility and {m.source for m in spec.materials if m.source}
    calls: Counter[str] = Counter()
    sources = registry.registry_sources()
    for code in list(sources):
        monkeypatch.setitem(sources, code, _Counting(sources[code], calls))
    reads = Counter[str]()
    person_on_file = registry.person_on_file

    def counted_person(**kwargs: Any) -> Any:
        reads["person"] += 1
        return person_on_file(**kwargs)

    monkeypatch.setattr(registry, "person_on_file", counted_person)
    photo_api = case_selectors.photo_api

    def counted_photos() -> Any:
        latest, record = photo_api()

        def counted_latest(**kwargs: Any) -> Any:
            reads["photo"] += 1
            return None if latest is None else latest(**kwargs)

        return counted_latest, record

    monkeypatch.setattr(case_selectors, "photo_api", counted_photos)
    if who == "citizen":
        case = submit(personas.citizen, now=now)
    else:
        case = submit(
            personas.clerk,
            now=now,
            channel="window",
            id_number=personas.other_citizen.person.id_number,
            presented=["photo", "basis_proof"],
            decision=Decision("accept"),
        )
    assert case.pk is not None
    assert set(calls) == set(spec_sources(spec)) and set(calls.values()) == {1}, calls
    assert reads["person"] == 1
    assert reads["photo"] == sum(1 for m in spec.materials if m.photo_standard and not m.source)


# Hand-written INSERTs that remain, each for a reason: the case counter's upsert (cases/sql.py, with
# its ORM twin and measured gain), the synthetic city's bulk loader (COPY into emptied tables), and
# the figures' rollups, rebuilt from facts (insights).
_INSERTS_KEPT = ("cases/sql.py", "registry/generator/", "insights/rollup.py", "insights/factsql.py")


def test_no_hand_written_insert_is_left() -> None:
    """Rows of cases, audit, appointments and every other module are written by the ORM, so a new
    DateField, DecimalField or UUIDField on Case, CaseMaterial, CaseEvent, SubmitKey, AuditEntry or
    Appointment is written as the ORM writes it."""
    offenders = []
    for path in TONGBAN.rglob("*.py"):
        name = path.relative_to(TONGBAN).as_posix()
        if "tests" in path.parts or "migrations" in path.parts or name.startswith(_INSERTS_KEPT):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"(?i)\binsert\s+into\b", text) or "_insert_family" in text or "audit_append_sql" in text:
            offenders.append(name)
    assert offenders == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_every_audit_chain_busy_the_submission_waits_and_lands(
    personas: Any, items: None, now: dt.datetime
) -> None:
    """No free head: the submission waits for chain 1 rather than writing without its entry."""
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


def test_an_item_refusing_a_channel_says_which_it_offers_in_the_reader_s_language(
    personas: Any, items: None, api: Any
) -> None:
    clerk = api(personas.clerk)
    body = {"item_code": "t_truck", "channel": "window", "id_number": personas.citizen.id_number}  # online only

    def refusal() -> Any:
        r = clerk.post("/api/v1/cases/", data=body, content_type="application/json")
        assert r.status_code == 400 and r.json()["code"] == "channel"
        return r.json()["title"]

    assert refusal() == "该事项不支持窗口办，请改用：网上办。"
    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert refusal() == "This item is not offered through this channel (At a window). Apply through: Online."
    assert not Case.objects.exists()
