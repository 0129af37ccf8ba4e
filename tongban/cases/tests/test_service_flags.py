"""Service flags on a case: 加急 (the item's expedited limit runs the case) and 敬老 one-to-one help
recorded by the clerk at intake; both shown on the case and the queue and counted in the figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from tongban.audit.models import AuditEntry
from tongban.cases.models import Case, CaseEvent
from tongban.cases.selectors import case_flag_counts
from tongban.cases.services import Decision, case_accept, case_submit
from tongban.common.errors import Forbidden, Invalid
from tongban.workdays.calendar import deadline_add
from tongban.workdays.selectors import calendar_get

pytestmark = pytest.mark.django_db
PERMIT = {"months_resident": 12, "basis": "employment", "address": "杭州市西湖区文三路 1 号"}


def _doc(user: Any, now: dt.datetime, **kw: Any) -> Case:
    kw.setdefault("channel", "online")
    return case_submit(actor=user, item_code="t_doc", form={}, now=now, presented=["paper"], **kw).case


def test_an_expedited_case_runs_against_the_expedited_limit(personas: Any, items: None, now: dt.datetime) -> None:
    fast = _doc(personas.citizen, now, expedited=True)
    plain = _doc(personas.other_citizen, now)
    assert (fast.expedited, fast.limit_value, fast.limit_unit) == (True, 3, "working_days")
    assert (plain.expedited, plain.limit_value) == (False, 10)
    approver = personas.approvers["huzheng"]
    fast = case_accept(number=fast.number, actor=approver, now=now)
    plain = case_accept(number=plain.number, actor=approver, now=now)
    cal = calendar_get()
    assert fast.deadline_at == deadline_add(cal, now, 3, "working_days")
    assert plain.deadline_at == deadline_add(cal, now, 10, "working_days")
    assert fast.deadline_at is not None and plain.deadline_at is not None and fast.deadline_at < plain.deadline_at
    first = CaseEvent.objects.filter(case=fast).order_by("pk").first()
    assert first is not None and first.data["expedited"] is True
    entry = AuditEntry.objects.get(action="case.submit", object_id=fast.number)
    assert entry.data["expedited"] is True


def test_expedited_is_refused_for_an_item_without_it_and_leaves_nothing(
    personas: Any, items: None, now: dt.datetime
) -> None:
    with pytest.raises(Invalid) as exc:
        case_submit(
            actor=personas.citizen, item_code="t_permit", form=PERMIT, channel="online", now=now, expedited=True
        )
    assert exc.value.code == "no_expedited"
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_elder_help_is_recorded_by_the_clerk_at_intake(personas: Any, items: None, now: dt.datetime) -> None:
    case = case_submit(
        actor=personas.clerk,
        item_code="t_doc",
        form={},
        channel="window",
        now=now,
        id_number=personas.citizen.id_number,
        presented=["paper"],
        decision=Decision("accept"),
        elder_help=True,
    ).case
    assert Case.objects.get(pk=case.pk).elder_help is True
    events = list(CaseEvent.objects.filter(case=case).order_by("pk"))
    assert [e.to_status for e in events] == ["submitted", "accepted"]
    assert events[0].data["elder_help"] is True and "expedited" not in events[0].data


def test_a_citizen_cannot_record_elder_help(personas: Any, items: None, now: dt.datetime) -> None:
    with pytest.raises(Forbidden):
        _doc(personas.citizen, now, elder_help=True)
    assert Case.objects.count() == 0


def test_flag_counts_per_item_in_scope(personas: Any, items: None, now: dt.datetime) -> None:
    _doc(personas.citizen, now, expedited=True)
    _doc(personas.other_citizen, now)
    case_submit(
        actor=personas.clerk,
        item_code="t_doc",
        form={},
        channel="window",
        now=now,
        id_number=personas.other_citizen.id_number,
        presented=["paper"],
        elder_help=True,
        expedited=True,
    )
    since, until = now - dt.timedelta(days=1), now + dt.timedelta(seconds=1)
    rows = case_flag_counts(user=personas.approvers["huzheng"], since=since, until=until)
    assert [(r["item_code"], r["cases"], r["expedited"], r["elder_help"]) for r in rows] == [("t_doc", 3, 2, 1)]
    assert case_flag_counts(user=personas.approvers["jiaoguan"], since=since, until=until) == []
    assert case_flag_counts(user=personas.approvers["huzheng"], since=until, until=until + dt.timedelta(days=1)) == []


def test_api_submit_expedited_and_the_flags_figures(
    api: Any, personas: Any, items: None, now: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = api(personas.citizen).post(
        "/api/v1/cases/",
        {"item_code": "t_doc", "form": {}, "presented": ["paper"], "expedited": True},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["expedited"], body["elder_help"], body["limit_value"]) == (True, False, 3)
    r = api(personas.citizen).post(
        "/api/v1/cases/", {"item_code": "t_doc", "form": {}, "elder_help": True}, content_type="application/json"
    )
    assert r.status_code == 403
    assert api(personas.citizen).get("/api/v1/cases/flags").status_code == 403
    later = Case.objects.get(number=body["number"]).submitted_at + dt.timedelta(minutes=1)
    monkeypatch.setattr("tongban.cases.api.now", lambda: later)
    r = api(personas.approvers["huzheng"]).get("/api/v1/cases/flags?days=7")
    assert r.status_code == 200
    assert [(x["item_code"], x["cases"], x["expedited"], x["elder_help"]) for x in r.json()] == [("t_doc", 1, 1, 0)]
    queue = api(personas.approvers["huzheng"]).get("/api/v1/cases/queue").json()["items"]
    assert [(x["number"], x["expedited"]) for x in queue] == [(body["number"], True)]


def test_pages_show_the_flags(
    api: Any, personas: Any, items: None, now: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tongban.cases.views.now", lambda: now + dt.timedelta(days=1))
    fast = _doc(personas.citizen, now, expedited=True)
    approver = api(personas.approvers["huzheng"])
    page = approver.get(reverse("cases:queue")).content.decode()
    assert f'data-number="{fast.number}"' in page and "data-expedited" in page
    detail = api(personas.citizen).get(reverse("cases:detail", args=[fast.number])).content.decode()
    assert 'id="case-expedited"' in detail and 'id="case-elder-help"' not in detail
    flags = approver.get(reverse("cases:flags")).content.decode()
    assert 'id="total-expedited">1<' in flags
    assert api(personas.citizen).get(reverse("cases:flags")).status_code == 403


def test_the_apply_page_offers_expedited_and_a_home_visit(api: Any, personas: Any, items: None) -> None:
    page = api(personas.citizen).get(reverse("cases:apply", args=["t_doc"])).content.decode()
    assert 'id="apply-expedited"' in page and 'id="home-visit-link"' in page
    page = api(personas.citizen).get(reverse("cases:apply", args=["t_permit"])).content.decode()
    assert 'id="apply-expedited"' not in page and 'id="home-visit-link"' not in page
