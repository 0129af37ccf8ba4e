"""Certificates through the front door: issue (as a case approval would), verify online, revoke,
key rotation, a holder's own certificates and PDFs, auditing, and the CLI without a database."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pypdfium2
import pytest

from tongban.audit.models import AuditEntry
from tongban.certificates.core import KeySet, RevocationList, SoftwareSigner, encoding, issue_token
from tongban.certificates.core.extract import extract_from_pdf
from tongban.certificates.core.token import PREFIX, parse_token
from tongban.certificates.models import Certificate, CertificateCounter
from tongban.certificates.schemas import VerifyOut
from tongban.certificates.selectors import certificate_document
from tongban.certificates.services import certificate_issue, certificate_revoke
from tongban.certificates.signing import key_directory
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound

from .conftest import SAMPLE_FACTS

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[3]
VERIFY = "/api/v1/certificates/verify"


@pytest.fixture(autouse=True)
def _keys(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> Path:
    monkeypatch.setattr("tongban.common.clock.now", lambda: now)  # pages and API read this clock
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"
    settings.CERTIFICATE_VERIFY_AUDIT = "sync"  # one audit entry per verification, written at once
    settings.SITE_URL = "https://tongban.example.gov.cn"
    return tmp_path / "keys"


def _issue(person: Any, at: dt.datetime, template: str = "NCR", **extra: Any) -> Certificate:
    return certificate_issue(
        template=template,
        holder_id_number=person.id_number,
        holder_name=person.real_name,
        facts=SAMPLE_FACTS[template],
        case_number="HZ-2026-000042",
        issued_at=at,
        **extra,
    )


def test_issue_records_signs_and_audits(personas: Any, now: dt.datetime) -> None:
    citizen = personas.citizen
    certificate = _issue(citizen, now, actor=personas.approvers["zhian"])
    assert certificate.number == "NCR-2026-00000001"
    assert _issue(citizen, now).number == "NCR-2026-00000002"
    assert certificate.holder_person_id == citizen.person_id
    assert certificate.valid_until == now + dt.timedelta(days=90)
    assert certificate.case_number == "HZ-2026-000042"
    keys = key_directory().key_set()
    assert [k.kid for k in keys] == [certificate.key_id]
    entry = AuditEntry.objects.get(action="certificate.issue", object_id=certificate.number)
    assert entry.data["holder"] == citizen.id_number[:6] + "********" + citizen.id_number[-4:]
    assert citizen.id_number not in json.dumps(entry.data)
    (pem,) = key_directory().path.glob("*.pem")  # the private key is a file, never a database row
    assert pem.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert pem.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"template": "NOPE"}, "unknown_template"),
        ({"facts": {"purpose": "就业"}}, "invalid_facts"),
        ({"holder_id_number": "330106199005171231"}, "invalid_id_number"),
        ({"validity_days": 400}, "invalid_facts"),
        ({"holder_name": "  "}, "invalid_name"),
        ({"holder_name": "张" * 65}, "invalid_name"),
    ],
)
def test_refused_issue_leaves_nothing_behind(
    personas: Any, now: dt.datetime, change: dict[str, Any], code: str
) -> None:
    kwargs: dict[str, Any] = {
        "template": "NCR",
        "holder_id_number": personas.citizen.id_number,
        "holder_name": "张三",
        "facts": SAMPLE_FACTS["NCR"],
        "case_number": "X",
        "issued_at": now,
    }
    kwargs.update(change)
    with pytest.raises(Invalid) as info:
        certificate_issue(**kwargs)
    assert info.value.code == code
    assert Certificate.objects.count() == 0


def test_facts_that_do_not_fit_are_told_in_one_language(personas: Any, now: dt.datetime) -> None:
    from django.utils import translation

    kwargs: dict[str, Any] = {
        "template": "NCR",
        "holder_id_number": personas.citizen.id_number,
        "holder_name": "张三",
        "facts": {"purpose": "就业"},
        "case_number": "X",
        "issued_at": now,
    }
    said = {}
    for language in ("zh-hans", "en"):
        with translation.override(language), pytest.raises(Invalid) as info:
            certificate_issue(**kwargs)
        said[language] = info.value.message
        assert info.value.extra["detail"].startswith("template NCR: missing facts")  # for the operator
    assert said == {
        "zh-hans": "证照信息不完整或不合规，未能签发，请联系系统管理员",
        "en": "The certificate's details are incomplete or invalid, so it was not issued; "
        "contact the system administrator",
    }
    assert CertificateCounter.objects.count() == 0
    assert not AuditEntry.objects.filter(action="certificate.issue").exists()


def _verify(api: Any, token: str) -> dict[str, Any]:
    response = api(None).post(VERIFY, {"token": token}, content_type="application/json")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    VerifyOut.model_validate(body)  # the endpoint skips response validation; the test does not
    return body


def test_online_verification_verdicts_and_masked_facts(personas: Any, now: dt.datetime, api: Any) -> None:
    citizen = personas.citizen
    certificate = _issue(citizen, now - dt.timedelta(days=1))
    body = _verify(api, certificate.token)
    assert body["status"] == "genuine"
    assert body["label_zh"] == "真实有效"
    assert body["holder_name"] == "张*"
    assert body["holder_id_number"] == citizen.id_number[:6] + "********" + citizen.id_number[-4:]
    assert body["number"] == certificate.number
    assert body["facts"] == [
        {"label_zh": "查询起始日期", "label_en": "Checked from", "value": "2016-03-10"},
        {"label_zh": "查询截止日期", "label_en": "Checked until", "value": "2026-03-10"},
        {"label_zh": "证明用途", "label_en": "Purpose", "value": "就业"},
    ]
    raw = json.dumps(body, ensure_ascii=False)
    assert citizen.id_number not in raw and "张三" not in raw
    # The QR link works as input as well as the bare token.
    link = f"https://tongban.example.gov.cn/certificates/verify/?t={certificate.token}"
    assert _verify(api, link)["status"] == "genuine"
    response = api(None).get(VERIFY, {"t": certificate.token})
    assert response.json()["status"] == "genuine"

    envelope = bytearray(encoding.b64url_decode(certificate.token[len(PREFIX) :]))
    envelope[envelope.index(parse_token(certificate.token).payload) + 20] ^= 0x01  # one byte of the claims
    tampered = _verify(api, PREFIX + encoding.b64url(bytes(envelope)))
    assert (tampered["status"], tampered["number"], tampered["facts"]) == ("tampered", None, [])
    assert (
        _verify(api, issue_token(certificate_document(certificate), SoftwareSigner.generate()))["status"]
        == "unknown_key"
    )
    assert _verify(api, "not a token")["status"] == "malformed"
    old = _issue(citizen, now - dt.timedelta(days=120))
    assert _verify(api, old.token)["status"] == "expired"
    assert AuditEntry.objects.filter(action="certificate.verify").count() == 7


def test_anonymous_verifications_are_audited_in_batches(
    personas: Any, now: dt.datetime, api: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tongban.certificates import services

    settings.CERTIFICATE_VERIFY_AUDIT = "batch"
    buffer = services.VerificationAuditBuffer(autostart=False)
    monkeypatch.setattr(services, "verification_audit_buffer", lambda: buffer)
    certificate = _issue(personas.citizen, now)
    for _ in range(3):
        assert _verify(api, certificate.token)["status"] == "genuine"
    assert _verify(api, "junk")["status"] == "malformed"
    api(personas.clerk).post(VERIFY, {"token": certificate.token}, content_type="application/json")
    # The signed-in clerk's verification is recorded at once and attributed.
    (clerk_entry,) = AuditEntry.objects.filter(action="certificate.verify")
    assert (clerk_entry.actor_id, clerk_entry.object_id) == (personas.clerk.pk, certificate.number)
    assert not AuditEntry.objects.filter(action="certificate.verify.batch").exists()
    assert buffer.flush() == 4
    (batch,) = AuditEntry.objects.filter(action="certificate.verify.batch")
    assert [(e["number"], e["status"]) for e in batch.data["events"]] == [
        *[(certificate.number, "genuine")] * 3,
        ("-", "malformed"),
    ]
    assert buffer.flush() == 0


def test_database_facts_that_no_longer_match_the_signature_are_tampered(
    personas: Any, now: dt.datetime, api: Any
) -> None:
    certificate = _issue(personas.citizen, now)
    Certificate.objects.filter(pk=certificate.pk).update(facts={**SAMPLE_FACTS["NCR"], "purpose": "出国"})
    body = _verify(api, certificate.token)
    assert body["status"] == "tampered"
    assert body["facts"] == []


def test_revocation_is_immediate_and_in_the_signed_list(personas: Any, now: dt.datetime, api: Any) -> None:
    certificate = _issue(personas.citizen, now - dt.timedelta(hours=1))
    approver = personas.approvers["zhian"]
    url = f"/api/v1/certificates/{certificate.number}/revoke"
    refused = api(personas.citizen).post(url, {"reason": "other"}, content_type="application/json")
    assert refused.status_code == 403
    assert _verify(api, certificate.token)["status"] == "genuine"
    response = api(approver).post(
        url, {"reason": "commitment_false", "note": "承诺不实"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = _verify(api, certificate.token)
    assert (body["status"], body["revoked_reason"], body["revoked_reason_zh"]) == (
        "revoked",
        "commitment_false",
        "告知承诺内容不实",
    )
    again = api(approver).post(url, {"reason": "other"}, content_type="application/json")
    assert again.status_code == 409
    assert AuditEntry.objects.filter(action="certificate.revoke", object_id=certificate.number).count() == 1

    keys = KeySet.from_json(api(None).get("/api/v1/certificates/keys.json").json())
    signed = api(None).get("/api/v1/certificates/revocations.cose")
    assert signed["Content-Type"] == "application/cose"
    revocations = RevocationList.verify_and_load(signed.content, keys)
    entry = revocations.get(certificate.number)
    assert entry is not None and entry.reason == "commitment_false"


def test_revoke_service_refusals(personas: Any, now: dt.datetime) -> None:
    certificate = _issue(personas.citizen, now)
    with pytest.raises(Forbidden):
        certificate_revoke(number=certificate.number, reason="other", actor=personas.clerk, at=now)
    with pytest.raises(Invalid):
        certificate_revoke(number=certificate.number, reason="bored", actor=personas.admin, at=now)
    certificate_revoke(number=certificate.number, reason="other", actor=personas.admin, at=now)
    with pytest.raises(Conflict):
        certificate_revoke(number=certificate.number, reason="other", actor=personas.admin, at=now)


def test_only_the_issuing_department_or_an_administrator_revokes(personas: Any, now: dt.datetime, api: Any) -> None:
    """Found by the outside probe: a traffic approver revoked a public-order 无犯罪记录证明."""
    certificate = _issue(personas.citizen, now, department="zhian")
    assert certificate.department == "zhian"
    assert _issue(personas.citizen, now, template="TP").department == "jiaoguan"  # the template's default
    for outsider in (personas.approvers["jiaoguan"], personas.approvers["huzheng"]):
        with pytest.raises(NotFound):
            certificate_revoke(number=certificate.number, reason="other", actor=outsider, at=now)
        client = api(outsider)
        answer = client.post(
            f"/api/v1/certificates/{certificate.number}/revoke", {"reason": "other"}, content_type="application/json"
        )
        assert answer.status_code == 404
        assert "撤销证照" not in client.get(f"/certificates/{certificate.number}/").content.decode()
        assert client.post(f"/certificates/{certificate.number}/revoke", {"reason": "other"}).status_code == 302
    with pytest.raises(Forbidden):
        certificate_revoke(number=certificate.number, reason="other", actor=personas.auditor, at=now)
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    assert not AuditEntry.objects.filter(action="certificate.revoke").exists()
    answer = api(personas.approvers["zhian"]).post(
        f"/api/v1/certificates/{certificate.number}/revoke", {"reason": "other"}, content_type="application/json"
    )
    assert answer.status_code == 200
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None


def test_rotation_online(personas: Any, now: dt.datetime, api: Any) -> None:
    old = _issue(personas.citizen, now - dt.timedelta(days=2))
    key_directory().rotate(now=now - dt.timedelta(days=1))
    new = _issue(personas.citizen, now - dt.timedelta(hours=1))
    assert new.key_id != old.key_id
    assert _verify(api, old.token)["status"] == "genuine"
    assert _verify(api, new.token)["status"] == "genuine"
    published = api(None).get("/.well-known/tongban-keys.json")
    if published.status_code == 404:  # until the root URLconf mounts the well-known path
        published = api(None).get("/certificates/keys.json")
    assert {k["kid"] for k in published.json()["keys"]} == {old.key_id, new.key_id}


def test_holder_sees_and_downloads_only_their_own(personas: Any, now: dt.datetime, api: Any) -> None:
    mine = _issue(personas.citizen, now)
    theirs = _issue(personas.other_citizen, now)
    client = api(personas.citizen)
    listed = client.get("/api/v1/certificates/mine").json()
    assert [c["number"] for c in listed] == [mine.number]
    assert listed[0]["holder_id_number"] == personas.citizen.id_number
    assert listed[0]["verify_url"] == f"https://tongban.example.gov.cn/certificates/verify/?t={mine.token}"
    assert client.get(f"/api/v1/certificates/{theirs.number}").status_code == 404
    assert client.get(f"/certificates/{theirs.number}/pdf").status_code == 404
    response = client.get(f"/certificates/{mine.number}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    extracted = extract_from_pdf(response.content, allow_raster=False)
    assert extracted.token == mine.token
    assert extracted.document == certificate_document(mine)
    page = client.get("/certificates/mine/")
    assert mine.number in page.content.decode() and theirs.number not in page.content.decode()
    assert api(None).get("/certificates/mine/").status_code == 302


def test_staff_views_and_downloads_are_audited_and_masked(personas: Any, now: dt.datetime, api: Any) -> None:
    certificate = _issue(personas.citizen, now)
    clerk = api(personas.clerk)
    body = clerk.get(f"/api/v1/certificates/{certificate.number}").json()
    assert body["holder_id_number"] == personas.citizen.id_number[:6] + "********" + personas.citizen.id_number[-4:]
    page = clerk.get(f"/certificates/{certificate.number}/")
    assert personas.citizen.id_number not in page.content.decode()
    assert clerk.get(f"/certificates/{certificate.number}/pdf").status_code == 200
    actions = list(
        AuditEntry.objects.filter(object_id=certificate.number).order_by("id").values_list("action", "actor_id")
    )
    assert actions == [
        ("certificate.issue", None),
        ("certificate.view", personas.clerk.pk),
        ("certificate.view", personas.clerk.pk),
        ("certificate.download", personas.clerk.pk),
    ]
    api(personas.citizen).get(f"/certificates/{certificate.number}/")
    assert AuditEntry.objects.filter(object_id=certificate.number).count() == 4  # holders are not audited


def test_pages_verify_and_revoke(personas: Any, now: dt.datetime, api: Any) -> None:
    certificate = _issue(personas.citizen, now - dt.timedelta(hours=1))
    page = api(None).get("/certificates/verify/", {"t": certificate.token}).content.decode()
    assert 'data-status="genuine"' in page and "真实有效" in page
    assert personas.citizen.id_number not in page
    approver = api(personas.approvers["zhian"])
    detail = approver.get(f"/certificates/{certificate.number}/").content.decode()
    assert "撤销证照" in detail
    assert "撤销证照" not in api(personas.clerk).get(f"/certificates/{certificate.number}/").content.decode()
    assert (
        api(personas.clerk).post(f"/certificates/{certificate.number}/revoke", {"reason": "other"}).status_code == 403
    )
    response = approver.post(f"/certificates/{certificate.number}/revoke", {"reason": "issued_in_error"})
    assert response.status_code == 302
    page = api(None).get("/certificates/verify/", {"t": certificate.token}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="revoked"' in page and "错误签发" in page
    assert "<html" not in page  # the htmx partial only


def test_pdf_qr_links_to_the_verification_page(personas: Any, now: dt.datetime, api: Any) -> None:
    import zxingcpp

    certificate = _issue(personas.citizen, now)
    data = api(personas.citizen).get(f"/certificates/{certificate.number}/pdf").content
    image = pypdfium2.PdfDocument(data)[0].render(scale=300 / 72).to_pil()
    (result,) = zxingcpp.read_barcodes(image)
    assert result.text == f"https://tongban.example.gov.cn/certificates/verify/?t={certificate.token}"


def test_cli_command_verifies_without_a_database(personas: Any, now: dt.datetime, api: Any, tmp_path: Path) -> None:
    certificate = _issue(personas.citizen, now - dt.timedelta(hours=1))
    pdf = tmp_path / "ncr.pdf"
    pdf.write_bytes(api(personas.citizen).get(f"/certificates/{certificate.number}/pdf").content)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/none.sqlite3",
        "TONGBAN_VAR_DIR": str(tmp_path / "novar"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    tongban = str(Path(sys.executable).with_name("tongban"))
    done = subprocess.run(
        [
            tongban,
            "cert",
            "verify",
            str(pdf),
            "--public-keys",
            str(key_directory().path),
            "--json",
            "--now",
            now.isoformat(),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["status"], report["document"], report["certificate"]["number"]) == (
        "genuine",
        "match",
        certificate.number,
    )
    assert not (tmp_path / "missing").exists()


def test_demo_load_is_idempotent(personas: Any, now: dt.datetime) -> None:
    import io

    from tongban.certificates.demo import demo_load

    out = io.StringIO()
    demo_load(now=now, stdout=out)
    demo_load(now=now, stdout=out)
    assert out.getvalue().count("2 demo certificates issued") == 1
    assert out.getvalue().count("0 demo certificates issued") == 1
    assert sorted(Certificate.objects.values_list("template", flat=True)) == ["DOG", "RENT"]


def test_staff_find_certificates_masked_and_citizens_cannot(personas: Any, now: dt.datetime, api: Any) -> None:
    certificate = _issue(personas.citizen, now)
    page = api(personas.clerk).get("/certificates/", {"q": "HZ-2026-000042"}).content.decode()
    assert certificate.number in page
    assert personas.citizen.id_number not in page
    assert personas.citizen.id_number[:6] + "********" + personas.citizen.id_number[-4:] in page
    assert "没有找到证照" in api(personas.clerk).get("/certificates/", {"q": "NCR-2026-99999999"}).content.decode()
    assert api(personas.citizen).get("/certificates/", {"q": certificate.number}).status_code == 403


def test_my_certificates_page_query_count_does_not_grow(personas: Any, now: dt.datetime, api: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(personas.citizen)
    _issue(personas.citizen, now)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/certificates/mine/").status_code == 200
    for _ in range(5):
        _issue(personas.citizen, now)
    with CaptureQueriesContext(connection) as six:
        page = client.get("/certificates/mine/").content.decode()
    assert page.count('data-number="NCR-2026-') == 6
    assert len(six) == len(one)


def test_admin_lists_certificates_read_only(personas: Any, now: dt.datetime, api: Any) -> None:
    certificate = _issue(personas.citizen, now)
    client = api(personas.admin)
    listing = client.get("/admin/certificates/certificate/").content.decode()
    assert certificate.number in listing and personas.citizen.id_number not in listing
    assert client.get("/admin/certificates/certificate/add/").status_code == 403
    page = client.get(f"/admin/certificates/certificate/{certificate.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_pages_in_english(personas: Any, now: dt.datetime, api: Any) -> None:
    from django.conf import settings as django_settings

    certificate = _issue(personas.citizen, now)
    client = api(personas.citizen)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/certificates/mine/").content.decode()
    assert "My certificates" in page and "Download PDF" in page
    verify = client.get("/certificates/verify/", {"t": certificate.token}).content.decode()
    assert "Verify an electronic certificate" in verify and "Genuine and valid" in verify


def test_a_revoked_certificate_shows_its_reason_in_the_readers_language(
    personas: Any, now: dt.datetime, api: Any
) -> None:
    """One language per page: the verdict, the title, the issuer and the revocation reason in
    the reader's language, never a "中文 / English" pair."""
    import html
    import re

    from django.conf import settings as django_settings

    certificate = _issue(personas.citizen, now - dt.timedelta(hours=1))
    certificate_revoke(number=certificate.number, reason="commitment_false", actor=personas.admin, at=now)
    pages = {}
    for lang in ("zh-hans", "en"):
        client = api(None)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang
        page = client.get("/certificates/verify/", {"t": certificate.token}, HTTP_HX_REQUEST="true")
        assert page.status_code == 200
        pages[lang] = page.content.decode()
    shown = {k: re.search(r"<dt>(?:撤销(?:时间)?|Revoke[^<]*)</dt><dd>(.*?)</dd>", p, re.S) for k, p in pages.items()}
    reason = {k: html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).split(" · ", 1)[1] for k, m in shown.items() if m}
    assert reason == {"zh-hans": "告知承诺内容不实", "en": "The applicant's commitment was found false"}
    assert "commitment" not in pages["zh-hans"] and 'lang="en"' not in pages["zh-hans"]
    # the page's own words (verdict, labels) in English; the holder's name and facts stay as written
    words = re.findall(r"<(?:dt|h2)>(.*?)</(?:dt|h2)>", pages["en"], re.S)
    assert words and not re.search(r"[\u3400-\u9fff]", " ".join(words)), words
