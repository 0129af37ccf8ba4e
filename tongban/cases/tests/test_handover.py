"""Results waiting to be handed over (待交付结果): a clerk finds them from the navigation and the
workbench, at their own outlet only (the window that accepted a case, else the outlet that handles
an online one), each row opening the case where 确认已交付 is; the person card on the workbench
lists the person's unfinished cases in the clerk's scope; the lists' query counts are constant."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongban.audit.models import AuditEntry
from tongban.cases.models import Case
from tongban.cases.services import Decision, case_accept, case_result_issue, case_submit, case_transition

pytestmark = pytest.mark.django_db
URL = "/cases/handover/"


@pytest.fixture(autouse=True)
def _clock(now: dt.datetime) -> Any:
    with mock.patch("tongban.cases.views.now", return_value=now):
        yield


def _filed(personas: Any, now: dt.datetime, *, citizen: Any, clerk: Any = None, minutes: int = 0) -> Case:
    """A t_doc case (a physical document) of ``citizen``: at ``clerk``'s window (accepted there), or
    online without one (accepted by the approver)."""
    at = now + dt.timedelta(minutes=minutes)
    if clerk is None:
        number = case_submit(
            actor=citizen, item_code="t_doc", form={}, channel="online", now=at, presented=["paper"]
        ).case.number
        case_accept(number=number, actor=personas.approvers["huzheng"], now=at)
    else:
        number = case_submit(
            actor=clerk,
            item_code="t_doc",
            form={},
            channel="window",
            now=at,
            id_number=citizen.person.id_number,
            presented=["paper"],
            decision=Decision("accept"),
        ).case.number
    return Case.objects.get(number=number)


def _issued(personas: Any, now: dt.datetime, **kw: Any) -> Case:
    case = _filed(personas, now, **kw)
    approver = personas.approvers["huzheng"]
    case_transition(number=case.number, to="in_review", actor=approver, now=now)
    case_transition(number=case.number, to="approved", actor=approver, now=now)
    case_result_issue(number=case.number, now=now)
    return Case.objects.get(pk=case.pk)


def _numbers(html: str) -> set[str]:
    return set(re.findall(r'data-number="([^"]+)"', html))


def test_a_clerk_finds_the_results_their_outlet_hands_over(
    items: None, personas: Any, api: Any, now: dt.datetime
) -> None:
    citizen, clerk, other_clerk = personas.citizen, personas.clerk, personas.other_clerk
    here = _issued(personas, now, citizen=citizen, clerk=clerk)
    online = _issued(personas, now, citizen=citizen)
    elsewhere = _issued(personas, now, citizen=citizen, clerk=other_clerk)  # 代收代办: handled here
    in_review = _filed(personas, now, citizen=citizen, clerk=clerk)
    assert (here.status, online.status, elsewhere.status) == ("result_issued",) * 3
    # where they are handled (routing has tests of its own): all three here
    Case.objects.filter(pk__in=[here.pk, online.pk, elsewhere.pk]).update(handling_outlet=personas.outlet)
    assert online.accepting_outlet_id is None and elsewhere.accepting_outlet_id == personas.other_outlet.pk

    client = api(clerk)
    home = client.get(reverse("web:home")).content.decode()
    assert f'href="{URL}"' in home  # in the clerk's navigation
    before = AuditEntry.objects.count()
    html = client.get(URL).content.decode()
    # the window that accepted a case hands its result over; an online case's handling outlet does
    assert _numbers(html) == {here.number, online.number}
    assert AuditEntry.objects.count() == before  # a list, like the queue: opening a case is the read
    assert f'<a href="/cases/{here.number}/">{here.number}</a>' in html and "张三" in html
    assert "待交付结果" in html and "已出证" in html and "测试派出所" in html and 'data-status="result_issued"' in html
    assert _numbers(api(other_clerk).get(URL).content.decode()) == {elsewhere.number}

    # the row opens the case page, where the hand-over is confirmed
    page = client.get(f"/cases/{here.number}/").content.decode()
    assert 'value="completed"' in page and "确认已交付" in page
    r = client.post(f"/cases/{here.number}/act/", {"to": "completed"})
    assert r.status_code == 302 and Case.objects.get(pk=here.pk).status == "completed"
    assert _numbers(client.get(URL).content.decode()) == {online.number}
    assert in_review.number not in client.get(URL).content.decode()

    # the workbench says how many wait, and links the list
    bench = client.get(reverse("web:workbench")).content.decode()
    link = re.search(
        r'<p id="handover-waiting"><a href="([^"]+)">待交付结果</a> <span class="badge warn">(\d+) 件', bench
    )
    assert link and link.groups() == (URL, "1")

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(URL).content.decode()
    assert "Results awaiting hand-over" in html and "Results issued that this outlet hands over" in html
    assert re.search(
        r"Results awaiting hand-over</a> <span class=\"badge warn\">1 case<",
        client.get(reverse("web:workbench")).content.decode(),
    )


def test_only_window_staff_open_the_list(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    issued = _issued(personas, now, citizen=personas.citizen, clerk=personas.clerk)
    for user in (personas.citizen, personas.approvers["huzheng"], personas.auditor):
        assert api(user).get(URL).status_code == 403
    assert api(None).get(URL).status_code == 302  # to the login page
    assert _numbers(api(personas.admin).get(URL).content.decode()) == {issued.number}
    html = api(personas.clerk).get(reverse("web:home")).content.decode()
    assert f'href="{URL}"' in html
    assert f'href="{URL}"' not in api(personas.approvers["huzheng"]).get(reverse("web:home")).content.decode()


def test_the_list_pages_at_a_constant_query_count(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    client = api(personas.clerk)
    for i in range(2):
        _issued(personas, now, citizen=personas.citizen, clerk=personas.clerk, minutes=i)
    client.get(URL)  # warm the calendar cache
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    n = len(ctx.captured_queries)
    assert n <= 4, [q["sql"] for q in ctx.captured_queries]
    for i in range(2, 23):
        _issued(personas, now, citizen=personas.other_citizen, clerk=personas.clerk, minutes=i)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(URL).content.decode()
    assert len(ctx.captured_queries) == n
    assert len(_numbers(html)) == 20 and '<a href="?page=2">下一页</a>' in html
    assert len(_numbers(client.get(URL, {"page": 2}).content.decode())) == 3
    first = re.findall(r'data-number="([^"]+)"', html)
    assert first == sorted(first)  # the longest waiting first (here: filed first, decided at once)


def test_the_person_card_lists_the_persons_unfinished_cases(
    items: None, personas: Any, api: Any, now: dt.datetime
) -> None:
    citizen = personas.citizen
    issued = _issued(personas, now, citizen=citizen, clerk=personas.clerk)
    open_case = _filed(personas, now, citizen=citizen, clerk=personas.clerk, minutes=1)
    done = _issued(personas, now, citizen=citizen, clerk=personas.clerk, minutes=2)
    case_transition(number=done.number, to="completed", actor=personas.clerk, now=now)
    theirs = _filed(personas, now, citizen=personas.other_citizen, clerk=personas.clerk)
    elsewhere = _filed(personas, now, citizen=citizen, clerk=personas.other_clerk)  # handled elsewhere too
    elsewhere.handling_outlet = personas.other_outlet
    elsewhere.save(update_fields=["handling_outlet"])

    client = api(personas.clerk)
    before = (
        AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    )  # ids are not counts on PostgreSQL
    html = client.post(reverse("web:workbench"), {"id_number": citizen.person.id_number}).content.decode()
    card = html.split('id="person-cases"', 1)[1].split("</section>", 1)[0]
    # open and waiting cases in the clerk's scope only: not finished, not another person's, not
    # another outlet's
    assert re.findall(r'data-number="([^"]+)"', card) == [open_case.number, issued.number]
    assert {done.number, theirs.number, elsewhere.number}.isdisjoint(_numbers(card))
    assert (
        '已出证 <span class="badge warn" data-handover>待交付</span>' in card
        and f'href="/cases/{issued.number}/"' in card
    )
    assert citizen.person.id_number not in card  # no ID number on the card
    # the look-up is the one audited read of the person's record (the card is part of it)
    entries = list(AuditEntry.objects.filter(id__gt=before).values_list("action", "object_id"))
    assert entries == [("person.read", str(citizen.person.pk))]

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post(reverse("web:workbench"), {"id_number": citizen.person.id_number}).content.decode()
    assert (
        "Open cases and results awaiting hand-over" in html
        and 'Result issued <span class="badge warn" data-handover>to hand over</span>' in html
    )
    html = client.post(reverse("web:workbench"), {"id_number": personas.other_citizen.person.id_number}).content
    assert theirs.number in html.decode()
    nobody = api(personas.other_clerk).post(reverse("web:workbench"), {"id_number": citizen.person.id_number})
    card = nobody.content.decode().split('id="person-cases"', 1)[1].split("</section>", 1)[0]
    assert _numbers(card) == {elsewhere.number}
