"""A staff member sees only their scope, on the page, through the API and in the downloads: an
outlet head their outlet, a department head their department, the bureau everything; citizens and
staff who head nothing see no figures. The downloads equal the page's tables."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tongban.feedback.tests.flows import accept, at, file_online, file_window
from tongban.insights.services import figures_refresh

pytestmark = pytest.mark.usefixtures("fig_items")
Q = "?start=2026-03-01&end=2026-03-31"


@pytest.fixture
def cases(personas: Any) -> None:
    """Two window cases at the first outlet (户政 f_doc, 治安 f_zero), one at the other outlet
    (户政), one online 户政 case (no outlet)."""
    from tongban.accounts.models import User

    other_person = personas.other_citizen.id_number
    clerk2 = User.objects.get(username="clerk2")
    for item, clerk, idn in (
        ("f_doc", personas.clerk, personas.citizen.id_number),
        ("f_zero", personas.clerk, other_person),
        ("f_doc", clerk2, other_person),
    ):
        n = file_window(clerk, idn, item, at("2026-03-03", "09:00"))
        accept(n, clerk, at("2026-03-03", "09:05"))
    file_online(personas.citizen, "f_doc", at("2026-03-04", "09:00"))
    figures_refresh(now=at("2026-03-31"))


def received(client: Any, query: str = Q) -> int:
    r = client.get(f"/api/v1/insights/figures{query}")
    assert r.status_code == 200, r.content
    kpi = next(t for t in r.json()["tables"] if t["key"] == "kpi")
    return int(kpi["rows"][kpi["row_keys"].index("received")][1])


def csv_rows(client: Any, table: str, query: str = Q) -> list[list[str]]:
    r = client.get(f"/insights/export/{table}.csv{query}")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def page_rows(client: Any, table: str, query: str = Q) -> list[list[str]]:
    import re
    from html import unescape

    html = client.get(f"/insights/{query}").content.decode()
    block = html.split(f'id="table-{table}"', 1)[1].split("</table>", 1)[0]
    head = [unescape(c) for c in re.findall(r'<th scope="col">(.*?)</th>', block)]
    body = block.split("<tbody>", 1)[1]
    rows = [
        [unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body)
    ]
    return [head, *rows]


def test_each_role_sees_its_scope_on_the_page_the_api_and_the_csv(
    personas: Any, heads: Any, cases: None, api: Any
) -> None:
    admin, outlet_head, huzheng = api(personas.admin), api(heads.outlet), api(heads.huzheng)
    assert (received(admin), received(outlet_head), received(huzheng), received(api(heads.zhian))) == (4, 2, 3, 1)
    # the outlet head's page and CSV: their outlet only, even when asking for another one
    assert csv_rows(outlet_head, "outlet") == page_rows(outlet_head, "outlet")
    outlets = [r[0] for r in csv_rows(outlet_head, "outlet")[1:]]
    assert outlets == ["测试派出所"]
    other = f"{Q}&outlet={personas.other_outlet.pk}"
    assert outlet_head.get(f"/api/v1/insights/figures{other}").status_code == 404
    assert outlet_head.get(f"/insights/{other}").status_code == 404
    assert outlet_head.get(f"/insights/export/outlet.csv{other}").status_code == 404
    # the department head: only 户政, and another department is out of scope
    depts = [r[0] for r in csv_rows(huzheng, "department")[1:]]
    assert depts == ["户政"]
    assert huzheng.get(f"/api/v1/insights/figures{Q}&department=zhian").status_code == 404
    # the bureau sees every outlet (and the online case, counted under no outlet)
    names = sorted(r[0] for r in csv_rows(admin, "outlet")[1:])
    assert names == ["另一派出所", "测试派出所", "（未指定）"]


@pytest.mark.parametrize("who", ["citizen", "clerk", "approver", "anonymous"])
def test_no_figures_without_a_scope(personas: Any, cases: None, api: Any, who: str) -> None:
    user = {
        "citizen": personas.citizen,
        "clerk": personas.clerk,  # a clerk who heads nothing
        "approver": personas.approvers["huzheng"],
        "anonymous": None,
    }[who]
    client = api(user)
    page, data = client.get(f"/insights/{Q}"), client.get(f"/api/v1/insights/figures{Q}")
    download = client.get(f"/insights/export/kpi.csv{Q}")
    if user is None:
        assert page.status_code == 302 and data.status_code == 401 and download.status_code == 302
    else:
        assert (page.status_code, data.status_code, download.status_code) == (404, 404, 404)


def test_downloads_equal_the_page(personas: Any, cases: None, api: Any) -> None:
    client = api(personas.admin)
    for table in ("kpi", "trend", "channel", "levels", "item", "department", "district", "outlet"):
        shown = page_rows(client, table)
        assert csv_rows(client, table) == shown, table
        r = client.get(f"/insights/export/{table}.xlsx{Q}")
        assert r.status_code == 200
        sheet = load_workbook(io.BytesIO(r.content)).active
        cells = [["—" if c is None else c for c in row] for row in sheet.iter_rows(min_row=3, values_only=True)]
        assert [[_number(c) for c in row] for row in cells] == [[_number(c) for c in row] for row in shown], table


def _number(cell: Any) -> Any:
    """A cell as a number when it is one (the workbook keeps numbers as numbers, the page as text)."""
    try:
        return float(cell)
    except (TypeError, ValueError):
        return cell


def test_bad_input_is_a_clear_400_not_a_500(personas: Any, api: Any) -> None:
    client = api(personas.admin)
    assert client.get("/insights/?start=2026-13-01").status_code == 400
    assert client.get("/insights/?start=2026-03-10&end=2026-03-01").status_code == 400
    assert client.get("/insights/?outlet=abc").status_code == 400
    assert client.get("/insights/export/nope.csv").status_code == 404
    assert client.get("/insights/export/kpi.pdf").status_code == 404
    bad = client.get("/api/v1/insights/figures?start=2020-01-01&end=2026-01-01")
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/insights/figures?department=nope").status_code == 422


def test_a_refused_period_keeps_what_was_sent_so_it_can_be_corrected(personas: Any, api: Any) -> None:
    client = api(personas.admin)
    page = client.get("/insights/?start=2026-03-10&end=2026-03-01&department=churujing&item=x%22y")
    assert page.status_code == 400
    text = page.content.decode()
    assert 'name="start" value="2026-03-10"' in text and 'name="end" value="2026-03-01"' in text
    assert '<input type="hidden" name="department" value="churujing">' in text
    assert 'value="x&quot;y"' in text  # escaped, never markup


def test_public_service_promise(personas: Any, api: Any, now: dt.datetime) -> None:
    from tongban.feedback.tests.flows import approve

    approver = personas.approvers["huzheng"]
    for day, decided in (("2026-03-02", "2026-03-03"), ("2026-03-02", "2026-03-05"), ("2026-03-02", "2026-03-02")):
        n = file_online(personas.citizen, "f_doc", at(day, "09:00"))
        accept(n, approver, at(day, "10:00"))
        approve(n, approver, at(decided, "15:00"))
    figures_refresh(now=at("2026-03-09"))
    r = api(None).get("/api/v1/insights/promise/f_doc")
    assert r.status_code == 200
    body = r.json()
    # decided 0, 1 and 3 working days after acceptance; all on time; no ratings yet
    assert (body["decided"], body["median_working_days"], body["on_time_rate"], body["ratings"]) == (3, 1.0, 100.0, 0)
    page = api(None).get("/insights/promise/f_doc/")
    assert page.status_code == 200 and "5 个工作日" in page.content.decode()
    assert api(None).get("/insights/promise/nope/").status_code == 404


def test_the_promise_index_groups_items_by_department_with_their_promised_limit(personas: Any, api: Any) -> None:
    """服务承诺 lists every item under its department's heading with the time limit it promises,
    in the reader's language."""
    from html import escape as html_escape

    from tongban.catalog.selectors import items_list

    specs = items_list()
    html = api(None).get("/insights/promise/").content.decode()
    for spec in specs:
        assert f"/insights/promise/{spec.code}/" in html
    first = specs[0]
    section = html.split(f'id="dept-{first.department}"')[1].split("</section>")[0]
    assert f"/insights/promise/{first.code}/" in section and "承诺 " in section
    client = api(None)
    client.cookies["django_language"] = "en"
    english = client.get("/insights/promise/").content.decode()
    assert "Promised: " in english and html_escape(first.name_en) in english


def test_the_filter_form_offers_the_scope_and_marks_the_chosen_filters(
    personas: Any, heads: Any, cases: None, api: Any
) -> None:
    import re

    def options(client: Any, name: str, query: str = Q) -> list[tuple[str, bool]]:
        html = client.get(f"/insights/{query}").content.decode()
        select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        return [(v, bool(s)) for v, s in re.findall(r'<option value="([^"]*)"( selected)?', select)]

    admin = api(personas.admin)
    chosen = f"{Q}&outlet={personas.other_outlet.pk}&department=zhian"
    outlets = options(admin, "outlet", chosen)
    assert ("", False) in outlets and (str(personas.other_outlet.pk), True) in outlets
    assert sum(on for _v, on in outlets) == 1
    assert ("zhian", True) in options(admin, "department", chosen)
    assert ("huzheng", False) in options(admin, "department", chosen)
    # a department head is offered only the items of their department, and no department choice
    huzheng = api(heads.huzheng)
    items = [v for v, _on in options(huzheng, "item")]
    assert "f_doc" in items and "f_zero" not in items
    assert 'name="department"' not in huzheng.get(f"/insights/{Q}").content.decode()
    # an outlet head has no outlet or district choice
    page = api(heads.outlet).get(f"/insights/{Q}").content.decode()
    assert 'name="outlet"' not in page and 'name="district"' not in page


def test_the_dashboard_button_reads_show_in_english(personas: Any, api: Any) -> None:
    """查看 on the dashboard applies the filters (context "filters"): "Show", not "View"."""
    from django.conf import settings

    client = api(personas.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/insights/").content.decode()
    assert '<button type="submit" id="apply-filters">Show</button>' in html
