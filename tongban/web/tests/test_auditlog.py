"""The auditor's audit log pages (/audit/): each filter narrows the list, keyset pages, the CSV
equals the page and is audited, an entry shows its chain link, 立即核验 reports a clean log as
完整 and a tampered copy's problem in words, and only auditors and administrators get in."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.urls import reverse

from tongban.audit.models import AuditEntry
from tongban.audit.services import audit_record

pytestmark = pytest.mark.django_db
CST = dt.timezone(dt.timedelta(hours=8))


def _ids(response: Any) -> list[int]:
    return [int(m) for m in re.findall(r'data-entry="(\d+)"', response.content.decode())]


@pytest.fixture
def log(personas: Any) -> dict[str, AuditEntry]:
    """A small log: a clerk's case read late on 9 March, an approver's approval early on 10 March
    (Shanghai), an administrator's outlet change and a system sweep."""
    p = personas
    return {
        "read": audit_record(
            action="case.read",
            object_type="case",
            object_id="HZ-2026-000001",
            at=dt.datetime(2026, 3, 9, 23, 30, tzinfo=CST),
            actor=p.clerk,
            data={"channel": "page", "what": "detail"},
        ),
        "approve": audit_record(
            action="case.approved",
            object_type="case",
            object_id="HZ-2026-000002",
            at=dt.datetime(2026, 3, 10, 0, 30, tzinfo=CST),
            actor=p.approvers["huzheng"],
            data={"status": "approved"},
        ),
        "outlet": audit_record(
            action="outlet.update",
            object_type="outlet",
            object_id="T-PS-2",
            at=dt.datetime(2026, 3, 10, 9, 0, tzinfo=CST),
            actor=p.admin,
            data={"note": "调整办公时间"},
        ),
        "sweep": audit_record(
            action="case.sweep",
            object_type="case",
            object_id="batch",
            at=dt.datetime(2026, 3, 10, 9, 5, tzinfo=CST),
            data={"count": 3},
        ),
    }


def test_the_list_shows_entries_in_words_newest_first(api: Any, personas: Any, log: dict[str, Any]) -> None:
    r = api(personas.auditor).get(reverse("audit:list"))
    assert r.status_code == 200
    assert _ids(r) == [log[k].pk for k in ("sweep", "outlet", "approve", "read")]
    table = r.content.decode().split('id="entries"')[1]  # the table (the select's values are codes)
    body = re.sub(r"<[^>]+>", "", table)  # what a reader sees
    for words in ("查看办件", "窗口受理员", "测试派出所", "渠道：网页", "查看内容：详情", "系统", "状态：已批准"):
        assert words in body, words
    assert "case.read" not in body and '"channel"' not in body and ">page<" not in body
    assert 'href="/cases/HZ-2026-000001/"' in table


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"since": "2026-03-10", "until": "2026-03-10"}, ["sweep", "outlet", "approve"]),
        ({"until": "2026-03-09"}, ["read"]),
        ({"action": "case.read"}, ["read"]),
        ({"actor": "clerk1"}, ["read"]),
        ({"actor": "approver-huzheng"}, ["approve"]),
        ({"object": "HZ-2026-000002"}, ["approve"]),
        ({"role": "admin"}, ["outlet"]),
        ({"role": "system"}, ["sweep"]),
        ({"outlet": "测试派出所"}, ["read"]),
        ({"outlet": "T-PS-2"}, []),
    ],
)
def test_each_filter_narrows_the_list(
    api: Any, personas: Any, log: dict[str, Any], query: dict[str, str], expected: list[str]
) -> None:
    r = api(personas.auditor).get(reverse("audit:list"), query)
    assert r.status_code == 200
    assert _ids(r) == [log[k].pk for k in expected]


def test_a_reversed_date_range_says_what_to_do(api: Any, personas: Any, log: dict[str, Any]) -> None:
    r = api(personas.auditor).get(reverse("audit:list"), {"since": "2026-03-11", "until": "2026-03-09"})
    assert r.status_code == 400
    assert "开始日期晚于结束日期" in r.content.decode()


def test_pages_follow_each_other_without_repeats(api: Any, personas: Any) -> None:
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    made = [
        audit_record(action="account.login", object_type="user", object_id="1", at=t0 + dt.timedelta(minutes=i))
        for i in range(120)
    ]
    client = api(personas.admin)
    seen: list[int] = []
    url = reverse("audit:list") + "?action=account.login"
    pages = 0
    while url:
        r = client.get(url)
        pages += 1
        seen += _ids(r)
        m = re.search(r'href="([^"]+)" id="next"', r.content.decode())
        url = reverse("audit:list") + m.group(1).replace("&amp;", "&") if m else ""
    assert pages == 3
    assert seen == [e.pk for e in reversed(made)]


@pytest.mark.parametrize("name", ["list", "integrity", "lookup", "export"])
def test_only_auditors_and_administrators_get_in(api: Any, personas: Any, name: str) -> None:
    url = reverse(f"audit:{name}")
    for user in (personas.citizen, personas.clerk, personas.approvers["huzheng"]):
        assert api(user).get(url).status_code == 403
    anonymous = api(None).get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert api(personas.auditor).get(url).status_code == 200
    assert api(personas.admin).get(url).status_code == 200


def test_the_nav_offers_the_log_to_auditors_only(api: Any, personas: Any) -> None:
    assert 'href="/audit/"' in api(personas.auditor).get("/").content.decode()
    assert 'href="/audit/"' not in api(personas.clerk).get("/").content.decode()


def test_the_csv_holds_the_filtered_rows_and_is_audited(api: Any, personas: Any, log: dict[str, Any]) -> None:
    client = api(personas.auditor)
    query = {"since": "2026-03-10", "until": "2026-03-10"}
    page = client.get(reverse("audit:list"), query)
    r = client.get(reverse("audit:export"), query)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:5] == ["时间", "操作人", "角色", "网点", "操作"]
    assert [int(row[-1]) for row in rows[1:]] == _ids(page)
    assert rows[1][4] == "办件超期检查" and rows[3][4] == "批准办件"
    export = AuditEntry.objects.get(action="audit.export")
    assert export.actor_id == personas.auditor.pk and export.data["rows"] == 3
    english = client.get(reverse("audit:export"), query, HTTP_ACCEPT_LANGUAGE="en")
    header = next(csv.reader(io.StringIO(english.content.decode().removeprefix("\ufeff"))))
    assert header[0] == "Time" and all(not re.search(r"[\u4e00-\u9fff]", h) for h in header)


def test_the_export_says_when_it_stops_at_its_cap(
    api: Any, personas: Any, log: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tongban.web.auditlog.views.EXPORT_CAP", 2)
    rows = list(csv.reader(io.StringIO(api(personas.auditor).get(reverse("audit:export")).content.decode())))
    assert len(rows) == 1 + 2 + 1 and "已达导出上限 2 条" in rows[-1][0]


def test_an_entry_shows_its_fields_and_chain_link(api: Any, personas: Any, log: dict[str, Any]) -> None:
    entry = log["approve"]
    r = api(personas.auditor).get(reverse("audit:detail", args=[entry.pk]))
    body = r.content.decode()
    assert r.status_code == 200
    assert entry.hash in body and entry.prev_hash in body
    assert re.search(r'id="linked"><span class="badge ok">是', body)
    assert re.search(r'id="intact"><span class="badge ok">是', body)
    assert "批准办件" in body and "审批民警" in body and "2026-03-10 00:30:00" in body
    assert api(personas.auditor).get(reverse("audit:detail", args=[999999])).status_code == 404


def test_verifying_a_clean_log_says_complete(api: Any, personas: Any, log: dict[str, Any]) -> None:
    client = api(personas.auditor)
    r = client.post(reverse("audit:verify"), follow=True)
    body = r.content.decode()
    assert "核验已完成" in body and "完整" in body and "核验了 4 条记录" in body
    done = AuditEntry.objects.get(action="audit.verify")
    assert done.data["ok"] is True and done.actor_id == personas.auditor.pk


def test_verifying_a_tampered_copy_names_the_problem_in_words(
    api: Any, personas: Any, log: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tongban.audit.services import audit_verify
    from tongban.audit.tests.tamper import TamperedCopy

    copy = TamperedCopy()
    chain = log["approve"].chain
    copy.edit(chain, log["approve"].seq)
    monkeypatch.setattr("tongban.audit.tasks.audit_verify", lambda **kw: audit_verify(tables=copy.tables, **kw))
    body = api(personas.auditor).post(reverse("audit:verify"), follow=True).content.decode()
    assert "发现问题" in body
    assert f"第 {chain} 条链的第 {log['approve'].seq} 条记录的内容与它的摘要不符：记录被修改过。" in body
    assert "does not match" not in body


def test_the_api_lists_the_same_entries_with_the_same_filters(api: Any, personas: Any, log: dict[str, Any]) -> None:
    client = api(personas.auditor)
    r = client.get("/api/v1/audit/entries", {"since": "2026-03-10", "until": "2026-03-10", "limit": 2})
    assert r.status_code == 200
    body = r.json()
    assert [e["id"] for e in body["entries"]] == [log["sweep"].pk, log["outlet"].pk]
    assert body["entries"][1]["action_label"] == "修改网点" and body["entries"][1]["role_label"] == "管理员"
    more = client.get("/api/v1/audit/entries", {"since": "2026-03-10", "before": body["next_before"]}).json()
    assert [e["id"] for e in more["entries"]] == [log["approve"].pk] and more["next_before"] is None
    assert api(personas.clerk).get("/api/v1/audit/entries").status_code == 403
    bad = client.get("/api/v1/audit/entries", {"since": "2026-03-11", "until": "2026-03-09"})
    assert bad.status_code == 400 and "开始日期晚于结束日期" in bad.json()["title"]
