"""Browser journey: a citizen's 无犯罪记录证明 is approved, the citizen downloads the PDF and
opens its verification link (genuine); an approver revokes it; the same link then says revoked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tongban.certificates.core import KeySet, Status, verify
from tongban.certificates.core.extract import extract_from_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page: Any, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("身份证号码或工作账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def _logout(page: Any) -> None:
    page.get_by_role("button", name="退出").click()


def _approve_ncr_case(citizen: Any, approver: Any) -> str:
    """The citizen applies online; the 治安 approver accepts and approves; the result task issues
    the certificate after the approval commits (what the case module does in production)."""
    from tongban.cases.services import case_accept, case_submit, case_transition
    from tongban.catalog.services import catalog_load
    from tongban.common import clock

    at = clock.now()
    catalog_load(at=at)
    submitted = case_submit(
        actor=citizen,
        item_code="no_criminal_record",
        form={"purpose": "employment", "period_years": 5},
        channel="online",
        now=at,
        idempotency_key="browser-ncr",
    )
    number = submitted.case.number
    case_accept(number=number, actor=approver, now=at)
    case_transition(number=number, to="in_review", actor=approver, now=at)
    case_transition(number=number, to="approved", actor=approver, now=at)
    return str(number)


def test_citizen_downloads_ncr_verifies_then_sees_it_revoked(
    browser_page: Any, personas: Any, settings: Any, tmp_path: Path, live_server: Any
) -> None:
    from tongban.certificates.models import Certificate
    from tongban.certificates.signing import key_directory

    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"
    settings.SITE_URL = live_server.url
    settings.CERTIFICATE_VERIFY_AUDIT = "sync"
    approver = personas.approvers["zhian"]
    case_number = _approve_ncr_case(personas.citizen, approver)
    certificate = Certificate.objects.get(case_number=case_number)
    assert certificate.template == "NCR"

    page = browser_page
    _login(page, personas.citizen.id_number, "pw-citizen-123")
    page.get_by_role("link", name="我的证照").first.click()
    row = page.locator(f"tr[data-number='{certificate.number}']")
    assert "无犯罪记录证明" in row.inner_text()
    with page.expect_download() as download_info:
        row.get_by_role("link", name="下载 PDF").click()
    pdf = tmp_path / "downloaded.pdf"
    download_info.value.save_as(pdf)
    extracted = extract_from_pdf(pdf.read_bytes(), allow_raster=False)
    assert extracted.token == certificate.token
    from tongban.common import clock

    offline = verify(extracted.token, KeySet.load(key_directory().keyset_path), now=clock.now())
    assert offline.status is Status.GENUINE

    share = row.locator("a.share-link").get_attribute("href")
    assert share is not None and share.startswith(f"{live_server.url}/certificates/verify/?t=TB1.")
    page.goto(share)
    verdict = page.locator("section.verdict")
    assert verdict.get_attribute("data-status") == "genuine"
    assert "真实有效" in verdict.inner_text()
    assert personas.citizen.id_number not in page.content()
    _logout(page)

    _login(page, approver.username, "pw-staff-123")
    page.goto(f"/certificates/{certificate.number}/")
    page.get_by_label("撤销原因").select_option("commitment_false")
    page.get_by_label("说明").fill("申请人承诺内容经核查不实")
    page.once("dialog", lambda dialog: dialog.accept())  # a destructive button asks first
    page.get_by_role("button", name="撤销证照", exact=True).click()
    assert page.get_by_role("status").first.is_visible()
    _logout(page)

    page.goto(share)
    verdict = page.locator("section.verdict")
    assert verdict.get_attribute("data-status") == "revoked"
    assert "已被撤销" in verdict.inner_text() and "告知承诺内容不实" in verdict.inner_text()
    from tongban.audit.models import AuditEntry

    actions = list(AuditEntry.objects.filter(object_id=certificate.number).values_list("action", flat=True))
    assert actions == [
        "certificate.issue", "certificate.verify",  # the citizen's own visits to the page are not "staff views"
        "certificate.view", "certificate.revoke", "certificate.view",  # the approver, redirected back after revoking
        "certificate.verify",
    ]  # fmt: skip
