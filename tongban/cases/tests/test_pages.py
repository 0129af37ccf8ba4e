"""Case pages through the front door: apply (generated form, checklist, form token), my cases,
the case page actions, the workbench intake, the receipt, the queue (query counts constant)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongban.cases.models import Case, CaseMaterial
from tongban.cases.services import case_accept, case_submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(now: dt.datetime) -> Any:
    with (
        mock.patch("tongban.cases.views.now", return_value=now),
        mock.patch("tongban.cases.workbench.now", return_value=now),
    ):
        yield


def token_of(html: str) -> str:
    m = re.search(r'name="submit_token" value="([0-9a-f]+)"', html)
    assert m, "no form token"
    return m.group(1)


def test_apply_page_generates_the_form_and_checklist(items: None, personas: Any, api: Any) -> None:
    client = api(personas.citizen)
    r = client.get(reverse("cases:apply", args=["t_permit"]))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="months_resident"' in html and 'name="basis"' in html
    assert 'data-material="id_card" data-state="supplied"' in html  # on file: not asked
    assert 'name="material_basis_proof"' in html and 'name="material_id_card"' not in html
    token = token_of(html)
    body = {
        "submit_token": token,
        "months_resident": "8",
        "basis": "employment",
        "material_basis_proof": SimpleUploadedFile("contract.pdf", b"%PDF-1.4 test", "application/pdf"),
    }
    r = client.post(reverse("cases:apply", args=["t_permit"]), body)
    assert r.status_code == 302
    case = Case.objects.get()
    assert r["Location"] == reverse("cases:detail", args=[case.number])
    proof = CaseMaterial.objects.get(case=case, code="basis_proof")
    assert proof.state == "presented" and proof.file.endswith("basis_proof.pdf")
    # A double-click resubmits the same token: still one case.
    body["material_basis_proof"] = SimpleUploadedFile("contract.pdf", b"%PDF-1.4 test", "application/pdf")
    r = client.post(reverse("cases:apply", args=["t_permit"]), body)
    assert r.status_code == 302 and Case.objects.count() == 1


def test_apply_errors_keep_the_input(items: None, personas: Any, api: Any) -> None:
    client = api(personas.citizen)
    r = client.post(
        reverse("cases:apply", args=["t_permit"]),
        {
            "submit_token": "a" * 32,
            "months_resident": "-1",
            "basis": "employment",
            "material_basis_proof": SimpleUploadedFile("x.exe", b"MZ", "application/octet-stream"),
        },
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert 'value="-1"' in html
    assert "只接受 PDF、JPG、PNG 文件" in html
    assert Case.objects.count() == 0
    assert api(personas.clerk).get(reverse("cases:apply", args=["t_permit"])).status_code == 403
    assert client.get(reverse("cases:apply", args=["nope"])).status_code == 404


def test_my_cases_and_withdraw(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    case = case_submit(
        actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]
    ).case
    case_submit(actor=personas.other_citizen, item_code="t_doc", form={}, channel="online", now=now)
    client = api(personas.citizen)
    html = client.get(reverse("cases:mine")).content.decode()
    assert html.count("data-number=") == 1 and case.number in html
    r = client.get(reverse("cases:detail", args=[case.number]))
    assert 'data-action="withdrawn"' in r.content.decode()
    r = client.post(reverse("cases:act", args=[case.number]), {"to": "withdrawn"})
    # a withdrawal is confirmed on a page of its own first: nothing has moved yet
    assert r.status_code == 200 and 'id="confirm-form"' in r.content.decode()
    assert 'name="confirmed" value="1"' in r.content.decode()
    assert Case.objects.get(pk=case.pk).status == "submitted"
    r = client.post(reverse("cases:act", args=[case.number]), {"to": "withdrawn", "confirmed": "1"})
    assert r.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "withdrawn"
    r = client.post(reverse("cases:act", args=[case.number]), {"to": "resubmitted"})
    assert r.status_code == 409
    other = Case.objects.exclude(pk=case.pk).get()
    assert client.get(reverse("cases:detail", args=[other.number])).status_code == 404


def test_answer_a_supplement_request(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    approver = personas.approvers["huzheng"]
    case = case_submit(
        actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]
    ).case
    case_accept(number=case.number, actor=approver, now=now)
    staff = api(approver)
    r = staff.post(
        reverse("cases:act", args=[case.number]),
        {"to": "supplement_requested", "reason": "申请书未签字", "materials": ["paper"]},
    )
    assert r.status_code == 302
    assert CaseMaterial.objects.get(case=case, code="paper").state == "missing"
    assert 'id="file-paper"' in api(personas.citizen).get(reverse("cases:detail", args=[case.number])).content.decode()
    client = api(personas.citizen)
    r = client.post(reverse("cases:act", args=[case.number]), {"to": "resubmitted"})
    assert r.status_code == 409  # the material is still missing
    r = client.post(
        reverse("cases:material", args=[case.number]),
        {"code": "paper", "file": SimpleUploadedFile("signed.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert r.status_code == 302
    r = client.post(reverse("cases:act", args=[case.number]), {"to": "resubmitted"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "resubmitted" and case.deadline_at is not None


def test_workbench_intake_under_commitment_and_receipt(items: None, personas: Any, api: Any) -> None:
    clerk = api(personas.clerk)
    walk_in = personas.other_citizen.person.id_number
    url = reverse("web:workbench")
    r = clerk.post(url, {"id_number": walk_in})
    assert 'id="pick-item"' in r.content.decode()
    # Any item, whatever the clerk's department (a zhian item from a clerk with none).
    r = clerk.post(url, {"id_number": walk_in, "item": "t_permit"})
    html = r.content.decode()
    assert 'data-material="id_card" data-state="supplied"' in html and 'id="do-commitment"' in html
    token = token_of(html)
    body = {
        "id_number": walk_in,
        "item": "t_permit",
        "submit_token": token,
        "months_resident": "7",
        "basis": "residence",
        "presented": ["photo"],
        "decision": "accept",
    }
    r = clerk.post(url, body)
    assert r.status_code == 400
    assert "材料不齐，不能受理，缺少：就业证明" in r.content.decode() and 'value="7"' in r.content.decode()
    assert not Case.objects.exists()  # one transaction: a refused decision files nothing either
    r = clerk.post(url, {**body, "decision": "commitment"})  # the same token: the form as typed
    assert r.status_code == 302
    case = Case.objects.get()
    assert r["Location"] == reverse("cases:receipt", args=[case.number])
    assert case.status == "accepted" and case.under_commitment and Case.objects.count() == 1
    html = clerk.get(r["Location"]).content.decode()
    assert case.number in html and "2026-03-17" in html and "2026-03-24" in html


def test_workbench_refuse_at_intake(items: None, personas: Any, api: Any) -> None:
    clerk = api(personas.clerk)
    idn = personas.citizen.id_number
    token = token_of(clerk.post(reverse("web:workbench"), {"id_number": idn, "item": "t_doc"}).content.decode())
    r = clerk.post(
        reverse("web:workbench"),
        {"id_number": idn, "item": "t_doc", "submit_token": token, "decision": "refuse", "refuse_reason": "非本人申请"},
    )
    assert r.status_code == 302
    case = Case.objects.get()
    assert (case.status, case.reason) == ("refused_at_intake", "非本人申请")


def _many(personas: Any, now: dt.datetime, n: int) -> None:
    approver = personas.approvers["huzheng"]
    for i in range(n):
        c = case_submit(
            actor=personas.citizen,
            item_code="t_doc",
            form={},
            channel="online",
            now=now + dt.timedelta(minutes=i),
            presented=["paper"],
        ).case
        if i % 2:
            case_accept(number=c.number, actor=approver, now=now)


def test_queue_and_my_cases_query_counts_are_constant(
    items: None, personas: Any, api: Any, now: dt.datetime, django_assert_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    approver, citizen = api(personas.approvers["huzheng"]), api(personas.citizen)
    pages = ((approver, reverse("cases:queue")), (citizen, reverse("cases:mine")))
    _many(personas, now, 2)
    expected = []
    for client, url in pages:
        client.get(url)  # warm the calendar cache
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        expected.append(len(ctx.captured_queries))
    assert expected[0] <= 4 and expected[1] <= 4, expected
    _many(personas, now, 23)
    for (client, url), n in zip(pages, expected, strict=True):
        with django_assert_num_queries(n):
            assert client.get(url).status_code == 200
    html = approver.get(reverse("cases:queue")).content.decode()
    assert html.count('name="numbers"') == 20 and "?page=2" in html
    assert approver.get(reverse("cases:queue"), {"page": 2}).content.decode().count('name="numbers"') == 5
    assert api(personas.citizen).get(reverse("cases:queue")).status_code == 403


def test_bulk_approve_page(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    _many(personas, now, 4)
    accepted = list(Case.objects.filter(status="accepted").values_list("number", flat=True))
    r = api(personas.approvers["huzheng"]).post(reverse("cases:bulk"), {"to": "approved", "numbers": accepted})
    assert r.status_code == 302
    assert set(Case.objects.filter(number__in=accepted).values_list("status", flat=True)) == {"approved"}


def test_pages_in_english(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    from django.conf import settings

    _many(personas, now, 2)
    client = api(personas.approvers["huzheng"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("cases:queue")).content.decode()
    assert "Approval queue" in html and "Approve selected" in html
    assert "working days left" in html or "working day left" in html


def test_a_submitted_case_says_when_its_clock_starts(items: None, personas: Any, api: Any) -> None:
    # before acceptance there is no deadline: the page said "— —" (the citizen sweep)
    client = api(personas.citizen)
    html = client.get(reverse("cases:apply", args=["t_permit"])).content.decode()
    body = {
        "submit_token": token_of(html),
        "months_resident": "8",
        "basis": "employment",
        "material_basis_proof": SimpleUploadedFile("contract.pdf", b"%PDF-1.4 test", "application/pdf"),
    }
    assert client.post(reverse("cases:apply", args=["t_permit"]), body).status_code == 302
    case = Case.objects.get()
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert '<span class="muted" id="deadline-pending">受理后开始计时</span>' in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert '<span class="muted" id="deadline-pending">Counted from acceptance</span>' in page


def test_the_history_names_people_not_login_names_or_codes(
    items: None, personas: Any, api: Any, now: dt.datetime
) -> None:
    # the citizen sweep: the history read "李户政 (approver-huzheng)（审批民警）" and "system（—）"
    from tongban.cases.services import case_transition

    approver = personas.approvers["huzheng"]
    approver.real_name = "李户政"
    approver.save(update_fields=["real_name"])
    case = case_submit(
        actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]
    ).case
    case_accept(number=case.number, actor=approver, now=now)
    case_transition(number=case.number, to="in_review", actor=None, now=now)
    html = api(personas.citizen).get(reverse("cases:detail", args=[case.number])).content.decode()
    history = html[html.index('id="history"') :]
    assert '<td data-label="办理人"><span lang="zh-Hans">李户政</span>（审批民警）</td>' in history
    assert "approver-huzheng" not in history
    # translated, not marked as Chinese text
    assert '<td data-label="办理人">系统</td>' in history and "system" not in history
    staff = api(approver).get(reverse("cases:detail", args=[case.number])).content.decode()
    assert '<span lang="zh-Hans">李户政 (approver-huzheng)</span>（审批民警）' in staff  # staff see who exactly


def test_a_citizen_reads_no_code_names_among_the_answers(
    items: None, personas: Any, api: Any, now: dt.datetime
) -> None:
    # the citizen sweep: a truck pass case listed "hours", "operator", "vehicle_class" (facts the
    # enterprise service derived) and the demo's cases "demo 是" under 申请内容
    from tests.pages.crawl import chinese_violations

    approver = personas.approvers["huzheng"]
    case = case_submit(
        actor=personas.citizen,
        item_code="t_permit",
        form={"months_resident": 8, "basis": "employment"},
        channel="online",
        now=now,
        presented=["basis_proof"],
    ).case
    Case.objects.filter(pk=case.pk).update(form_data={**case.form_data, "vehicle_class": "大型货车", "demo": True})
    html = api(personas.citizen).get(reverse("cases:detail", args=[case.number])).content.decode()
    answers = html[html.index('id="answers"') : html.index("</dl>", html.index('id="answers"'))]
    assert "vehicle_class" not in answers and "demo" not in answers
    assert chinese_violations(answers) == []
    assert "employment" not in answers  # the listed answers stay, by their labels
    staff = api(approver).get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "<dt>vehicle_class</dt><dd>大型货车</dd>" in staff  # staff still see everything the case holds


def test_my_cases_are_labelled_cards_on_a_phone(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    # the citizen sweep: six columns at 390 px wrapped a case number over three lines
    case = case_submit(actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now).case
    html = api(personas.citizen).get(reverse("cases:mine")).content.decode()
    assert '<table id="my-cases" class="cards-sm">' in html
    row = html[html.index(f'data-number="{case.number}"') :]
    for label in ("事项", "状态", "提交时间", "办理期限"):
        assert f'<td data-label="{label}">' in row


def test_submitting_says_it_was_submitted(items: None, personas: Any, api: Any) -> None:
    # the citizen sweep: the case page opened with no word that the application went in
    client = api(personas.citizen)
    html = client.get(reverse("cases:apply", args=["t_permit"])).content.decode()
    body = {
        "submit_token": token_of(html),
        "months_resident": "8",
        "basis": "employment",
        "material_basis_proof": SimpleUploadedFile("contract.pdf", b"%PDF-1.4 test", "application/pdf"),
    }
    page = client.post(reverse("cases:apply", args=["t_permit"]), body, follow=True).content.decode()
    number = Case.objects.get().number
    assert f"申请已提交，办件编号 {number}。办理进度可在本页和“我的消息”查看。" in page
