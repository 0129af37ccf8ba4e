"""我的证照 as a citizen reads it (the citizen sweep): each certificate a labelled card on a phone,
so its download and share links are not cut off, and its title in English on an English page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.pages.crawl import english_violations
from tongban.certificates.models import Certificate
from tongban.certificates.services import certificate_issue

from .conftest import SAMPLE_FACTS


@pytest.fixture(autouse=True)
def _keys(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> None:
    monkeypatch.setattr("tongban.common.clock.now", lambda: now)
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"


@pytest.fixture
def mine(personas: Any, now: dt.datetime) -> Certificate:
    return certificate_issue(
        template="NCR",
        holder_id_number=personas.citizen.id_number,
        holder_name=personas.citizen.real_name,
        facts=SAMPLE_FACTS["NCR"],
        case_number="HZ-2026-000042",
        issued_at=now,
    )


def test_my_certificates_are_cards_with_labels_on_a_phone(api: Any, personas: Any, mine: Certificate) -> None:
    html = api(personas.citizen).get("/certificates/mine/").content.decode()
    assert '<table class="cards-sm">' in html
    for label in ("编号", "签发时间", "有效期至", "状态"):
        assert f'data-label="{label}"' in html
    assert "无犯罪记录证明" in html


def test_my_certificates_in_english(api: Any, personas: Any, mine: Certificate) -> None:
    client = api(personas.citizen)
    client.cookies["django_language"] = "en"
    html = client.get("/certificates/mine/").content.decode()
    assert "Certificate of No Criminal Record" in html
    assert english_violations(html) == []
