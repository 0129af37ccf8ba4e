"""Dogs: violations recorded against a licence and seen by its holder only; reports of a
problem dog from anyone (rate limited), closed by a 治安 officer; every step audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache

from tongban.audit.models import AuditEntry
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound, TooMany
from tongban.dogs import services as svc
from tongban.dogs.models import Report, ReportState, Violation
from tongban.dogs.selectors import violations_mine
from tongban.dogs.tests.world import CHIP, dog_licence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> Any:
    cache.clear()
    yield
    cache.clear()


def _record(personas: Any, now: dt.datetime, **kw: Any) -> Violation:
    kw.setdefault("licence", CHIP)
    kw.setdefault("kind", "no_leash")
    kw.setdefault("place", "文三路与学院路口")
    kw.setdefault("note", "")
    return svc.violation_record(actor=kw.pop("actor", personas.approvers["zhian"]), now=now, **kw)


def test_an_officer_records_a_violation_by_chip_or_certificate_number(personas: Any, now: dt.datetime) -> None:
    cert = dog_licence(personas.citizen, now)
    v = _record(personas, now)
    assert v.certificate == cert and v.chip == CHIP
    v2 = _record(personas, now, licence=cert.number, kind="dangerous_breed", note="疑似禁养犬")
    assert v2.certificate == cert
    assert AuditEntry.objects.filter(action="dog.violation").count() == 2


def test_only_a_zhian_officer_records_violations(personas: Any, now: dt.datetime) -> None:
    dog_licence(personas.citizen, now)
    for user in (personas.citizen, personas.clerk, personas.approvers["huzheng"], personas.auditor):
        with pytest.raises(Forbidden):
            _record(personas, now, actor=user)
    assert not Violation.objects.exists()


def test_a_violation_needs_a_licence_in_force_a_kind_and_a_place(personas: Any, now: dt.datetime) -> None:
    cert = dog_licence(personas.citizen, now)
    with pytest.raises(NotFound):
        _record(personas, now, licence="CHIP-NONE")
    with pytest.raises(NotFound):  # expired: the licence is no longer in force
        _record(personas, now + dt.timedelta(days=366))
    with pytest.raises(Invalid):
        _record(personas, now, kind="barking")
    with pytest.raises(Invalid):
        _record(personas, now, place="  ")
    cert.revoked_at = now
    cert.save(update_fields=["revoked_at"])
    with pytest.raises(NotFound):
        _record(personas, now)


def test_the_holder_sees_the_violations_of_their_dog_and_no_one_elses(personas: Any, now: dt.datetime) -> None:
    mine = dog_licence(personas.citizen, now)
    dog_licence(personas.other_citizen, now, chip="CHIP-B", case_number="C-DOG-2")
    _record(personas, now)
    _record(personas, now, licence="CHIP-B", kind="other", note="犬只吠叫扰民")
    rows = violations_mine(user=personas.citizen)
    assert [r["certificate"] for r in rows] == [mine]
    assert [v.kind for v in rows[0]["violations"]] == ["no_leash"]


def test_a_report_is_taken_anonymously_and_closed_by_the_officer(personas: Any, now: dt.datetime) -> None:
    r = svc.report_submit(
        reporter=None, client="198.51.100.7", place="西溪小区 3 幢", description="大型犬未束链", now=now
    )
    assert r.state == ReportState.OPEN and r.reporter is None
    with pytest.raises(Forbidden):
        svc.report_close(pk=r.pk, actor=personas.clerk, note="已处理", now=now)
    with pytest.raises(Invalid):
        svc.report_close(pk=r.pk, actor=personas.approvers["zhian"], note="", now=now)
    closed = svc.report_close(pk=r.pk, actor=personas.approvers["zhian"], note="已上门劝导", now=now)
    assert closed.state == ReportState.CLOSED and closed.close_note == "已上门劝导"
    with pytest.raises(Conflict):
        svc.report_close(pk=r.pk, actor=personas.approvers["zhian"], note="再次", now=now)
    assert set(AuditEntry.objects.filter(object_type="dog_report").values_list("action", flat=True)) == {
        "dog.report",
        "dog.report_close",
    }


def test_reports_are_rate_limited_per_client(personas: Any, now: dt.datetime) -> None:
    for _ in range(svc.REPORTS_PER_HOUR):
        svc.report_submit(reporter=None, client="198.51.100.8", place="某路", description="恶犬", now=now)
    with pytest.raises(TooMany):
        svc.report_submit(reporter=None, client="198.51.100.8", place="某路", description="恶犬", now=now)
    # another address, or a logged-in citizen, has its own count
    svc.report_submit(reporter=None, client="198.51.100.9", place="某路", description="恶犬", now=now)
    svc.report_submit(reporter=personas.citizen, client="198.51.100.8", place="某路", description="恶犬", now=now)
    assert Report.objects.count() == svc.REPORTS_PER_HOUR + 2


def test_report_checks_its_fields(personas: Any, now: dt.datetime) -> None:
    with pytest.raises(Invalid):
        svc.report_submit(reporter=None, client="x", place="", description="恶犬", now=now)
    with pytest.raises(Invalid):
        svc.report_submit(reporter=None, client="x", place="某路", description="x" * 501, now=now)
    with pytest.raises(Invalid):
        svc.report_submit(reporter=None, client="x", place="某路", description="恶犬", contact="call me", now=now)


# --- pages ----------------------------------------------------------------------------------------


def test_pages_end_to_end(personas: Any, api: Any, now: dt.datetime) -> None:
    cert = dog_licence(personas.citizen, now)
    officer = api(personas.approvers["zhian"])
    r = officer.post("/dogs/violations/new/", {"licence": CHIP, "kind": "no_leash", "place": "文三路口", "note": ""})
    assert r.status_code == 302
    assert Violation.objects.get().certificate == cert
    # the holder sees it, linked from their certificates
    citizen = api(personas.citizen)
    page = citizen.get("/certificates/mine/").content.decode()
    assert "/dogs/#licence-" + cert.number in page
    page = citizen.get("/dogs/").content.decode()
    assert "文三路口" in page and "3301-000001" in page
    # from the licence, the holder goes on to its annual renewal or registers another dog
    assert "/catalog/dog_licence_renew/" in page and "/catalog/dog_registration/" in page
    assert "文三路口" not in api(personas.other_citizen).get("/dogs/").content.decode()
    # anyone reports a problem dog; the officer lists and closes it
    r = api(None).post("/dogs/report/", {"place": "西溪小区", "description": "大型犬未束链", "contact": ""})
    assert r.status_code == 200 and Report.objects.filter(state="open").count() == 1
    report = Report.objects.get()
    assert "西溪小区" in officer.get("/dogs/reports/").content.decode()
    r = officer.post(f"/dogs/reports/{report.pk}/close/", {"note": "已劝导"})
    assert r.status_code == 302
    assert Report.objects.get().state == "closed"
    # staff of other departments and citizens are refused the officer pages
    assert api(personas.approvers["huzheng"]).get("/dogs/reports/").status_code == 403
    assert citizen.get("/dogs/violations/new/").status_code == 403
    assert api(None).get("/dogs/reports/").status_code == 302


def test_the_dogs_entry_is_in_the_nav_of_zhian_officers_only(personas: Any, api: Any) -> None:
    # the nav is worked out once per process per role; the department is part of that key
    assert "/dogs/reports/" in api(personas.approvers["zhian"]).get("/").content.decode()
    assert "/dogs/reports/" not in api(personas.approvers["huzheng"]).get("/").content.decode()
    assert "/dogs/report/" in api(None).get("/").content.decode()
