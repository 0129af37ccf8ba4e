"""The public verification endpoint: one query for the row (tongban/certificates/sql.py, the same
path whether or not queries are counted), the stored record's digest, the query string read as Django would, no
session or user lookups for anonymous callers, and a verification audit that loses nothing
across threads, forked workers and process exit."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tongban.certificates import services
from tongban.certificates.core import facts_digest
from tongban.certificates.core.documents import record_digest
from tongban.certificates.models import Certificate
from tongban.certificates.services import VerificationAuditBuffer, certificate_issue, certificate_verify
from tongban.certificates.sql import VERIFY_FIELDS

from .conftest import SAMPLE_FACTS

VERIFY = "/api/v1/certificates/verify"


@pytest.fixture
def _keys(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> None:
    monkeypatch.setattr("tongban.common.clock.now", lambda: now)
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"
    settings.CERTIFICATE_VERIFY_AUDIT = "batch"


@pytest.fixture
def buffer(monkeypatch: pytest.MonkeyPatch) -> VerificationAuditBuffer:
    held = VerificationAuditBuffer(autostart=False)
    monkeypatch.setattr(services, "verification_audit_buffer", lambda: held)
    return held


def _issue(person: Any, at: dt.datetime) -> Certificate:
    return certificate_issue(
        template="NCR",
        holder_id_number=person.id_number,
        holder_name=person.real_name,
        facts=SAMPLE_FACTS["NCR"],
        case_number="HZ-2026-000042",
        issued_at=at,
    )


def test_record_digest_is_the_document_digest(make_document: Any) -> None:
    document = make_document()
    values = {
        "number": document.number,
        "template": document.template,
        "holder_name": document.holder_name,
        "holder_id": document.holder_id,
        "facts": dict(reversed(list(document.facts.items()))),  # key order does not matter
        "issued_at": int(document.issued_at.timestamp()),
        "valid_until": int(document.valid_until.timestamp()),
        "salt": document.salt,
    }
    assert record_digest(**values) == facts_digest(document)
    changed = [
        {"facts": {**document.facts, "purpose": "出国"}},
        {"facts": {**document.facts, "extra": "x"}},
        {"holder_id": document.holder_id[:-1] + "5"},
        {"valid_until": values["valid_until"] + 1},
        {"salt": bytes(16)},
    ]
    for change in changed:
        assert record_digest(**{**values, **change}) != facts_digest(document), change


@pytest.mark.django_db
@pytest.mark.usefixtures("_keys")
def test_one_query_reads_what_verification_needs(
    personas: Any, now: dt.datetime, buffer: VerificationAuditBuffer, django_assert_num_queries: Any
) -> None:
    certificate = _issue(personas.citizen, now - dt.timedelta(hours=1))
    orm = Certificate.objects.filter(pk=certificate.pk).values_list(*VERIFY_FIELDS).get()
    with django_assert_num_queries(1):
        row = services._verify_row(certificate.number)
    assert row is not None
    assert tuple(getattr(row, name) for name in VERIFY_FIELDS) == orm
    with django_assert_num_queries(1):
        assert certificate_verify(token=certificate.token, at=now).status.value == "genuine"
    assert services._verify_row("NCR-2026-99999999") is None
    assert buffer.pending() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("_keys")
def test_stored_facts_that_break_the_template_are_tampered_not_an_error(
    personas: Any, now: dt.datetime, api: Any, buffer: VerificationAuditBuffer
) -> None:
    certificate = _issue(personas.citizen, now)
    assert api(None).get(VERIFY, {"t": certificate.token}).json()["status"] == "genuine"
    Certificate.objects.filter(pk=certificate.pk).update(facts={"purpose": "就业"})  # facts dropped
    body = api(None).get(VERIFY, {"t": certificate.token}).json()
    assert (body["status"], body["facts"]) == ("tampered", [])
    Certificate.objects.filter(pk=certificate.pk).update(facts=["not", "a", "mapping"])
    assert api(None).get(VERIFY, {"t": certificate.token}).json()["status"] == "tampered"


@pytest.mark.django_db
@pytest.mark.usefixtures("_keys")
def test_the_token_is_read_from_any_query_string_as_django_reads_it(
    personas: Any, now: dt.datetime, api: Any, buffer: VerificationAuditBuffer
) -> None:
    certificate = _issue(personas.citizen, now)
    link = f"https://tongban.example.gov.cn/certificates/verify/?t={certificate.token}"
    client = api(None)
    queries = [
        f"t={certificate.token}",  # what a QR scan sends
        f"t={quote(link, safe='')}",  # the whole link, percent-encoded
        f"lang=en&t={certificate.token}",
        f"t={certificate.token}&t=junk",  # repeated: QueryDict.get gives the last value
    ]
    statuses = [client.get(f"{VERIFY}?{query}").json()["status"] for query in queries]
    assert statuses[:3] == ["genuine"] * 3
    assert statuses[3] == "malformed"
    assert client.get(f"{VERIFY}?x=1").json()["status"] == "malformed"
    assert client.get(VERIFY).json()["status"] == "malformed"


@pytest.mark.django_db
@pytest.mark.usefixtures("_keys")
def test_anonymous_verifications_do_not_load_a_session_user(
    personas: Any, now: dt.datetime, api: Any, buffer: VerificationAuditBuffer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.contrib.auth import middleware

    loaded: list[Any] = []
    real = middleware.get_user

    def get_user(request: Any) -> Any:
        loaded.append(request)
        return real(request)

    monkeypatch.setattr(middleware, "get_user", get_user)
    certificate = _issue(personas.citizen, now)
    assert api(None).get(VERIFY, {"t": certificate.token}).json()["status"] == "genuine"
    assert loaded == []
    assert buffer.pending() == 1
    # A signed-in verifier is still recognised (and audited at once, by name).
    assert api(personas.clerk).get(VERIFY, {"t": certificate.token}).json()["status"] == "genuine"
    assert len(loaded) == 1
    assert buffer.pending() == 1


def _events(n: int, tag: str = "") -> list[dict[str, str]]:
    return [{"at": "2026-03-10T02:00:00+00:00", "number": f"{tag}{i}", "status": "genuine"} for i in range(n)]


def test_batches_lose_nothing_under_concurrent_adds() -> None:
    written: list[list[dict[str, str]]] = []
    buffer = VerificationAuditBuffer(interval=0.002, write=written.append, limit=50)

    def verifier(tag: int) -> None:
        for event in _events(400, f"{tag}-"):
            buffer.add(event)

    threads = [threading.Thread(target=verifier, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    buffer.close()
    numbers = [e["number"] for batch in written for e in batch]
    assert sorted(numbers) == sorted(f"{t}-{i}" for t in range(8) for i in range(400))
    assert buffer.pending() == 0


def test_a_failed_write_keeps_the_events_for_the_next_flush() -> None:
    written: list[list[dict[str, str]]] = []
    failures = [RuntimeError("database away")]

    def write(events: list[dict[str, str]]) -> None:
        if failures:
            raise failures.pop()
        written.append(events)

    buffer = VerificationAuditBuffer(autostart=False, write=write)
    for event in _events(3, "a"):
        buffer.add(event)
    with pytest.raises(RuntimeError):
        buffer.flush()
    buffer.add(_events(1, "b")[0])
    assert buffer.flush() == 4
    assert [e["number"] for e in written[0]] == ["a0", "a1", "a2", "b0"]


def test_the_exit_flush_waits_for_a_batch_being_written() -> None:
    written: list[list[str]] = []
    started, release = threading.Event(), threading.Event()

    def write(events: list[dict[str, str]]) -> None:
        if not written and not started.is_set():
            started.set()
            release.wait(10)
        written.append([e["number"] for e in events])

    buffer = VerificationAuditBuffer(autostart=False, write=write)
    buffer.add(_events(1, "first")[0])
    first = threading.Thread(target=buffer.flush)
    first.start()
    assert started.wait(10)
    buffer.add(_events(1, "last")[0])
    closing = threading.Thread(target=buffer.close)
    closing.start()
    release.set()
    first.join()
    closing.join()
    assert written == [["first0"], ["last0"]]


def _worker_verifies_and_exits(out: str) -> None:
    """A worker process as granian runs one: it records events and its target returns, after
    which multiprocessing ends the process with os._exit (no atexit handlers)."""

    def write(events: list[dict[str, str]]) -> None:
        with open(out, "a") as handle:
            handle.write(json.dumps([e["number"] for e in events]) + "\n")

    buffer = VerificationAuditBuffer(interval=3600, write=write)  # the thread never gets to write
    for event in _events(5, "w"):
        buffer.add(event)


def test_a_worker_process_writes_its_last_batch_when_it_ends(tmp_path: Path) -> None:
    out = tmp_path / "written.jsonl"
    context = multiprocessing.get_context("fork")
    process = context.Process(target=_worker_verifies_and_exits, args=(str(out),))
    process.start()
    process.join(30)
    assert process.exitcode == 0
    assert [json.loads(line) for line in out.read_text().splitlines()] == [[f"w{i}" for i in range(5)]]


def test_a_forked_child_never_writes_its_parents_events(tmp_path: Path) -> None:
    written: list[list[dict[str, str]]] = []
    buffer = VerificationAuditBuffer(autostart=False, write=written.append)
    for event in _events(2, "p"):
        buffer.add(event)
    out = tmp_path / "child.json"
    context = multiprocessing.get_context("fork")

    def child() -> None:
        out.write_text(json.dumps({"flushed": buffer.flush(), "written": len(written)}))
        buffer.close()

    process = context.Process(target=child)
    process.start()
    process.join(30)
    assert json.loads(out.read_text()) == {"flushed": 0, "written": 0}
    assert buffer.flush() == 2
    assert [e["number"] for e in written[0]] == ["p0", "p1"]
