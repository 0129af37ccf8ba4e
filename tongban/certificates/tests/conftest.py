"""Fixtures for the certificate engine: a signer, a fixed clock, a sample document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tongban.certificates.core import CertificateDocument, KeySet, SoftwareSigner, get_template

ISSUED = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
HOLDER_NAME = "欧阳建国"
HOLDER_ID = "330106199001011234"
VERIFY_URL = "https://tongban.example.gov.cn/certificates/verify"

SAMPLE_FACTS: dict[str, dict[str, str]] = {
    "NCR": {"period_from": "2016-03-10", "period_to": "2026-03-10", "purpose": "就业"},
    "RP": {"address": "浙江省杭州市西湖区文三路 398 号 2 幢 301 室", "basis": "就业", "residence_since": "2025-08-01"},
    "TP": {
        "plate": "鲁F12345",
        "vehicle_class": "重型厢式货车",
        "area": "烟台市城区所有路段",
        "hours": "22:30—次日05:30",
        "operator": "烟台顺达物流有限公司",
    },
    "DOG": {
        "tag_number": "3204-004512",
        "chip": "900164000123456",
        "dog_name": "豆豆",
        "breed": "柯基",
        "colour": "黄白",
        "vaccination": "JS2026031000123",
        "address": "江苏省常州市天宁区青洋北路 47 号",
    },
    "RENT": {
        "property_address": "江苏省常州市武进区湖塘镇花园街 18 号 502 室",
        "lease_from": "2026-03-01",
        "lease_to": "2027-02-28",
        "tenants": "2",
    },
    "SETTLE": {
        "category": "人才落户（本科）",
        "from_address": "河南省郑州市金水区花园路 12 号",
        "to_address": "浙江省杭州市滨江区长河街道 1 号",
    },
}


@pytest.fixture
def signer() -> SoftwareSigner:
    return SoftwareSigner.generate(not_before=ISSUED - dt.timedelta(days=1))


@pytest.fixture
def keyset(signer: SoftwareSigner) -> KeySet:
    return KeySet([signer.public_key()])


@pytest.fixture
def make_document() -> Callable[..., CertificateDocument]:
    def make(template: str = "NCR", **overrides: Any) -> CertificateDocument:
        fields: dict[str, Any] = {
            "number": f"{template}-2026-00000123",
            "template": template,
            "holder_name": HOLDER_NAME,
            "holder_id": HOLDER_ID,
            "facts": SAMPLE_FACTS[template],
            "issued_at": ISSUED,
            "valid_until": get_template(template).valid_until(ISSUED),
        }
        fields.update(overrides)
        return CertificateDocument(**fields)

    return make
