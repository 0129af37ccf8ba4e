"""The case page as staff read it after the platform has issued the result: the platform's own
steps named in words, the certificate one click away, the commitment's deadline worded as the
applicant's (to hand in), not the bureau's (to decide)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from tests.pages.crawl import chinese_violations
from tongban.cases.models import Case
from tongban.cases.services import case_accept, case_submit, case_transition

pytestmark = pytest.mark.django_db


def _issued(personas: Any, now: dt.datetime, capture: Any) -> Case:
    approver = personas.approvers["huzheng"]
    number = case_submit(
        actor=personas.citizen,
        item_code="t_permit",
        form={"months_resident": 12, "basis": "employment", "address": "文三路 1 号"},
        channel="online",
        now=now,
    ).case.number
    case_accept(number=number, actor=approver, now=now, commitment=True, presented=["photo"])
    with capture(execute=True):
        case_transition(number=number, to="approved", actor=approver, now=now)
    return Case.objects.get(number=number)


def test_issued_case_names_the_platform_and_links_the_certificate(
    items: None, personas: Any, api: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    case = _issued(personas, now, django_capture_on_commit_callbacks)
    assert case.status == "completed" and case.result_reference
    client = api(personas.approvers["huzheng"])
    html = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    history = html.split('id="history"', 1)[1]
    # the result issued and the case completed
    assert "system" not in history and history.count('<td data-label="办理人">系统</td>') == 2
    assert chinese_violations(html.split("<main", 1)[1]) == []
    link = reverse("certificates:detail", args=[case.result_reference])
    assert f'href="{link}"' in html
    assert client.get(link).status_code == 200
    commitment = re.search(r"<dt>告知承诺</dt><dd>(.*?)</dd>", html, re.S)
    assert commitment and "前补交" in commitment.group(1) and "前办结" not in commitment.group(1)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert html.split('id="history"', 1)[1].count('<td data-label="Handled by">System</td>') == 2


def test_flags_page_links_home_visits_only_for_those_who_may_open_them(items: None, personas: Any, api: Any) -> None:
    visits = reverse("appointments:visits")
    for user, may in ((personas.approvers["huzheng"], False), (personas.clerk, True), (personas.admin, True)):
        client = api(user)
        html = client.get(reverse("cases:flags")).content.decode()
        assert (f'href="{visits}"' in html) is may
        assert (client.get(visits).status_code == 200) is may


def test_receipt_in_english_and_the_clerks_way_back(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    from tests.pages.crawl import english_violations

    number = case_submit(
        actor=personas.clerk,
        item_code="t_permit",
        form={"months_resident": 12, "basis": "employment", "address": "文三路 1 号"},
        channel="window",
        id_number=personas.other_citizen.person.id_number,
        now=now,
    ).case.number
    case_accept(number=number, actor=personas.clerk, now=now, commitment=True, presented=["photo"])
    clerk = api(personas.clerk)
    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = clerk.get(reverse("cases:receipt", args=[number])).content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert english_violations(main) == []
    assert "Proof of employment" in main and "must hand in the missing materials by" in main
    assert f'href="{reverse("web:workbench")}" id="receipt-next"' in main
    # an approver has no workbench to go back to
    assert (
        'id="receipt-next"'
        not in api(personas.approvers["huzheng"]).get(reverse("cases:receipt", args=[number])).content.decode()
    )


def test_a_denied_case_reads_denied_in_english(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    # the audit log's label for the move (不予批准 → "Deny a case") must not translate the status
    approver = personas.approvers["huzheng"]
    number = case_submit(
        actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]
    ).case.number
    case_accept(number=number, actor=approver, now=now)
    case_transition(number=number, to="denied", actor=approver, now=now, reason="不符合条件")
    client = api(approver)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("cases:detail", args=[number])).content.decode()
    assert 'data-status="denied">Denied</dd>' in html and "Deny a case" not in html
