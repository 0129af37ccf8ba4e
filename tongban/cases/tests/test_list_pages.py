"""The two list pages (an approver's queue, a citizen's cases): rows and pager as the templates
render them, escaping, messages, each user sees only their own rows; the queue's literal statuses
(cases/sql.py) answer as the ORM's bound ones."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse

from tongban.cases.models import Case
from tongban.cases.services import case_accept, case_submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(now: dt.datetime) -> Any:
    with mock.patch("tongban.cases.views.now", return_value=now):
        yield


def _cases(personas: Any, now: dt.datetime, n: int, *, citizen: Any = None) -> list[Case]:
    out = []
    for i in range(n):
        c = case_submit(
            actor=citizen or personas.citizen,
            item_code="t_doc",
            form={},
            channel="online",
            now=now + dt.timedelta(minutes=i),
            presented=["paper"],
        ).case
        if i % 2:
            case_accept(number=c.number, actor=personas.approvers["huzheng"], now=now)
        out.append(c)
    return out


def _plain(html: str) -> str:
    """The page with its (per-response, masked) CSRF tokens blanked."""
    return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', r"\1…", html)


def test_rows_pager_and_language(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    from django.conf import settings

    cases = _cases(personas, now, 22)
    Case.objects.filter(pk=cases[1].pk).update(applicant_name='<b>"王"</b>', item_name="A & B")
    client = api(personas.approvers["huzheng"])
    html = client.get(reverse("cases:queue")).content.decode()
    assert html.count('name="numbers"') == 20
    # the rows are a Jinja2 table (tongban/web/jinja.py): a quote prints as &#34;
    assert "&lt;b&gt;&#34;王&#34;&lt;/b&gt;" in html and "A &amp; B" in html and '<b>"王"' not in html
    assert '<a href="?page=2" hx-get="?page=2" hx-target="#queue-rows" hx-push-url="true">下一页</a>' in html
    assert "上一页" not in html and "第 1 页" in html
    assert f'<a href="/cases/{cases[1].number}/">' in html
    assert "剩 " in html and "个工作日" in html and "前办结" in html
    html = client.get(reverse("cases:queue"), {"page": 2, "status": "submitted"}).content.decode()
    assert html.count('name="numbers"') == 0  # 11 submitted cases fit on page 1
    assert '<a href="?page=1&amp;status=submitted" hx-get="?page=1&amp;status=submitted"' in html
    assert '<option value="submitted" selected>' in html
    html = client.get(reverse("cases:queue"), {"status": "<x>"}).content.decode()
    assert "&lt;x&gt;" not in html and "<x>" not in html and html.count('name="numbers"') == 20
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("cases:queue")).content.decode()
    assert "Approval queue" in html and "Next</a>" in html and "Page 1" in html
    assert re.search(r"\d+ working days? left", html) and "Submitted" in html
    html = api(personas.citizen).get(reverse("cases:mine"), {"page": 2}).content.decode()
    assert html.count("data-number=") == 2 and '<a href="?page=1">上一页</a>' in html and "下一页" not in html


def test_the_queue_answers_htmx_with_its_rows_and_pager_alone(
    items: None, personas: Any, api: Any, now: dt.datetime
) -> None:
    """The status filter and the pager links load the rows in place (htmx): the answer is the
    table and pager, no page around them, the pager's links targeting the rows again."""
    _cases(personas, now, 22)
    client = api(personas.approvers["huzheng"])
    page = client.get(reverse("cases:queue"), {"page": 2}).content.decode()
    html = client.get(reverse("cases:queue"), {"page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and '<nav class="pager"' in html and html.count('name="numbers"') == 2
    assert '<a href="?page=1" hx-get="?page=1" hx-target="#queue-rows" hx-push-url="true">上一页</a>' in html
    assert html.strip() in page


def test_a_page_with_messages_is_rendered_in_full(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    cases = _cases(personas, now, 4)
    client = api(personas.approvers["huzheng"])
    client.get(reverse("cases:queue"))
    accepted = [c.number for c in cases if Case.objects.get(pk=c.pk).status == "accepted"]
    r = client.post(reverse("cases:bulk"), {"to": "approved", "numbers": accepted}, follow=True)
    html = r.content.decode()
    assert "已办理 2 件" in html and html.count('name="numbers"') == 2
    assert "已办理" not in client.get(reverse("cases:queue")).content.decode()  # shown once


def test_each_user_sees_only_their_rows_when_the_sql_is_reused(
    items: None, personas: Any, api: Any, now: dt.datetime
) -> None:
    mine = {c.number for c in _cases(personas, now, 3)}
    theirs = {c.number for c in _cases(personas, now, 2, citizen=personas.other_citizen)}
    for user, own, other in ((personas.citizen, mine, theirs), (personas.other_citizen, theirs, mine)):
        html = api(user).get(reverse("cases:mine")).content.decode()
        shown = set(re.findall(r'data-number="([^"]+)"', html))
        assert shown == own and not shown & other
    assert (
        set(
            re.findall(
                r'data-number="([^"]+)"', api(personas.approvers["huzheng"]).get("/cases/queue/").content.decode()
            )
        )
        == mine | theirs
    )
    assert 'data-number="' not in api(personas.approvers["zhian"]).get("/cases/queue/").content.decode()


def test_queue_statuses_are_written_into_the_sql(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    """Bound statuses would keep PostgreSQL from using the partial queue index in the plan it
    prepares once per connection (it planned every execution instead): the statuses are literals,
    only the department is bound, and a filter outside the queue's statuses is refused."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tongban.cases.sql import status_in_literal

    _cases(personas, now, 3)
    client = api(personas.approvers["huzheng"])
    for url, listed in (
        ("/cases/queue/", "'submitted', 'accepted', 'in_review', 'resubmitted'"),
        ("/cases/queue/?status=accepted", "'accepted'"),
    ):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(url).content.decode()
        (sql,) = [q["sql"] for q in ctx.captured_queries if 'FROM "cases_case"' in q["sql"]]
        assert f'"cases_case"."status" IN ({listed})' in sql, sql
        assert html.count('name="numbers"') == (3 if "status" not in url else 1)
    with pytest.raises(ValueError, match="not queue statuses"):
        status_in_literal(("completed",))
    with pytest.raises(ValueError, match="not queue statuses"):
        status_in_literal(("submitted') OR ('1'='1",))


def test_literal_statuses_answer_as_the_orm(items: None, personas: Any, now: dt.datetime) -> None:
    """cases/sql.py's ``status_in_literal`` selects exactly the rows of the ORM's ``status__in``
    (run on SQLite by make test and on PostgreSQL in CI)."""
    from tongban.cases.machine import QUEUE
    from tongban.cases.sql import status_in_literal

    _cases(personas, now, 6)
    _cases(personas, now, 3, citizen=personas.other_citizen)
    Case.objects.filter(pk=Case.objects.order_by("pk").values_list("pk", flat=True)[0]).update(status="completed")
    for states in [tuple(QUEUE), *((s,) for s in QUEUE)]:
        raw = list(Case.objects.filter(status_in_literal(states)).order_by("pk").values_list("pk", "status"))
        orm = list(Case.objects.filter(status__in=states).order_by("pk").values_list("pk", "status"))
        assert raw == orm, states
    assert len(list(Case.objects.filter(status_in_literal(tuple(QUEUE))))) == 8


def test_a_citizens_list_read_as_a_union_answers_as_the_orm(items: None, personas: Any, now: dt.datetime) -> None:
    """``cases_mine`` reads the two ways of owning a case (registry person, filing account) as a
    UNION of one index scan each where the database can (PostgreSQL): it lists, page by page and
    in order, exactly the rows of the ORM's OR filter. Run on SQLite by make test (the OR path)
    and on PostgreSQL in CI (the UNION)."""
    from tongban.cases.selectors import cases_mine
    from tongban.common.access import access_filter, access_lookups

    citizen, other = personas.citizen, personas.other_citizen
    cases = _cases(personas, now, 9) + _cases(personas, now, 6, citizen=other)
    Case.objects.filter(pk__in=[c.pk for c in cases[:3]]).update(applicant=None)  # by person only
    Case.objects.filter(pk__in=[c.pk for c in cases[9:12]]).update(applicant=citizen)  # by account only
    Case.objects.filter(pk=cases[4].pk).update(submitted_at=cases[12].submitted_at)  # a tie: the pk decides
    assert access_lookups(citizen, Case) == [{"person": citizen.person_id}, {"applicant": citizen.pk}]
    orm = list(
        access_filter(citizen, Case.objects.all()).order_by("-submitted_at", "-id").values_list("number", flat=True)
    )
    assert len(orm) == 12
    listed = [
        row["case"].number for n in (1, 2, 3) for row in cases_mine(user=citizen, now=now, page=n, per_page=5).rows
    ]
    assert listed == orm
    assert cases_mine(user=citizen, now=now, page=3, per_page=5).has_next is False
    assert cases_mine(user=citizen, now=now, page=2, per_page=5).has_next is True


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_list_rows_print_what_the_per_row_helpers_print(
    items: None, personas: Any, now: dt.datetime, language: str
) -> None:
    """listing.list_rows works out repeated values once per page; each row still reads as the
    detail link, filters and countdown badge would print it for that row alone."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from tongban.cases.listing import list_rows
    from tongban.cases.selectors import case_queue
    from tongban.cases.templatetags.cases_tags import countdown_badge, deadline, local, status_label
    from tongban.catalog.templatetags.catalog_tags import item_name

    _cases(personas, now, 6)
    Case.objects.filter(number=Case.objects.order_by("pk")[2].number).update(status="supplement_requested")
    with translation.override(language):
        page = case_queue(user=personas.approvers["huzheng"], now=now + dt.timedelta(days=9))
        rows = list_rows(page)
        assert len(rows) == len(page.rows) == 5  # the supplement-requested case waits outside the queue
        assert len({r.badge for r in rows}) >= 2
        for r, row in zip(rows, page.rows, strict=True):
            c, cd = row["case"], row["countdown"]
            assert r.url == reverse("cases:detail", args=[c.number])
            assert r.status_label == status_label(c.status) and r.item == item_name(c.item_name)
            assert r.deadline == deadline(c.deadline_at) and r.submitted == local(c.submitted_at)
            assert r.badge == render_to_string("cases/partials/countdown.html", countdown_badge(cd))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_queue_pages_in_place_by_keyboard(items: None, personas: Any, now: dt.datetime, browser_page: Any) -> None:
    from tongban.cases.tests.test_browser import login

    _cases(personas, now, 25)
    page = browser_page
    login(page, "approver-huzheng", "pw-staff-123")
    page.goto("/cases/queue/")
    assert page.locator('input[name="numbers"]').count() == 20
    page.evaluate("window.notReloaded = true")
    page.focus('nav.pager a:has-text("下一页")')
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/queue/?page=2")
    page.wait_for_selector("nav.pager >> text=第 2 页")
    assert page.locator('input[name="numbers"]').count() == 5
    assert page.evaluate("window.notReloaded") is True  # the htmx partial, not a new page
    page.click('nav.pager a:has-text("上一页")')
    page.wait_for_selector("nav.pager >> text=第 1 页")
    assert page.locator('input[name="numbers"]').count() == 20


def test_a_clerk_reaches_the_open_cases_of_their_outlet_from_the_navigation(
    items: None, personas: Any, api: Any, now: dt.datetime
) -> None:
    from django.conf import settings

    clerk = api(personas.clerk)
    citizen = personas.citizen.id_number
    number = case_submit(
        actor=personas.clerk, item_code="t_doc", form={}, channel="window", id_number=citizen, now=now
    ).case.number
    home = clerk.get("/").content.decode()
    assert f'<a href="{reverse("cases:queue")}">本网点在办办件</a>' in home
    html = clerk.get(reverse("cases:queue")).content.decode()
    outlet = personas.clerk.outlet.name
    assert f'<h1>本网点在办办件 · <span lang="zh-Hans">{outlet}</span></h1>' in html
    assert f'data-number="{number}"' in html  # filed at this window, waiting for 受理
    assert 'type="checkbox"' not in html and "批量批准" not in html  # nothing here for a clerk to approve
    rows = clerk.get(reverse("cases:queue"), HTTP_HX_REQUEST="true").content.decode()
    assert f'data-number="{number}"' in rows and 'type="checkbox"' not in rows
    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "<h1>Open cases at my outlet · " in clerk.get(reverse("cases:queue")).content.decode()
    # the approvers keep their queue, its title and its tick boxes
    approver = api(personas.approvers["huzheng"]).get(reverse("cases:queue")).content.decode()
    assert "<h1>审批队列 · 户政</h1>" in approver and f'value="{number}"' in approver
    assert "本网点在办办件" not in approver
