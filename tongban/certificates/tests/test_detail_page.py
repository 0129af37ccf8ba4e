"""The staff page of one certificate in the reader's language, naming the bureau that issued it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from tests.pages.crawl import english_violations
from tongban.certificates.services import certificate_issue

from .conftest import SAMPLE_FACTS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keys(settings: Any, tmp_path: Path) -> None:
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"


def test_staff_certificate_page_in_each_language_names_its_own_issuer(
    personas: Any, now: dt.datetime, api: Any
) -> None:
    # a certificate of no criminal record issued in Hangzhou: the template's default bureau is
    # Yantai's, the certificate's own is Hangzhou's
    certificate = certificate_issue(
        template="NCR",
        holder_id_number=personas.citizen.id_number,
        holder_name=personas.citizen.real_name,
        facts=SAMPLE_FACTS["NCR"],
        case_number="HZ-2026-000042",
        issued_at=now,
        authority=("330100", "杭州市公安局", "Hangzhou Municipal Public Security Bureau"),
    )
    pages = {}
    for lang in ("zh-hans", "en"):
        client = api(personas.clerk)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang
        r = client.get(f"/certificates/{certificate.number}/")
        assert r.status_code == 200
        pages[lang] = r.content.decode()
    assert "杭州市公安局" in pages["zh-hans"] and "烟台市公安局" not in pages["zh-hans"]
    assert "查询起始日期" in pages["zh-hans"] and "Checked from" not in pages["zh-hans"]
    assert "Hangzhou Municipal Public Security Bureau" in pages["en"] and "Checked from" in pages["en"]
    main = pages["en"].split("<main", 1)[1].split("</main>", 1)[0]
    assert english_violations(main) == []


def test_staff_find_page_in_english_and_what_to_type_when_nothing_is_found(
    personas: Any, now: dt.datetime, api: Any
) -> None:
    certificate = certificate_issue(
        template="NCR",
        holder_id_number=personas.citizen.id_number,
        holder_name=personas.citizen.real_name,
        facts=SAMPLE_FACTS["NCR"],
        case_number="HZ-2026-000042",
        issued_at=now,
    )
    client = api(personas.clerk)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/certificates/", {"q": certificate.number}).content.decode()
    assert "Certificate of No Criminal Record" in page and "无犯罪记录证明" not in page
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get("/certificates/", {"q": personas.citizen.id_number}).content.decode()
    assert "没有找到证照。请输入完整的证照编号（如 RP-2026-00000001）或办件编号；不能按姓名或身份证号码查找。" in page
