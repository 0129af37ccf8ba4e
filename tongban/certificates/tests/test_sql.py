"""The plain SQL the certificates module keeps (tongban/certificates/sql.py) reads what its ORM twin
reads, on SQLite and PostgreSQL (the suite runs on both)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS

from tongban.certificates.models import Certificate
from tongban.certificates.services import certificate_issue
from tongban.certificates.sql import VERIFY_FIELDS, verify_row, verify_row_orm

from .conftest import SAMPLE_FACTS

pytestmark = pytest.mark.django_db


def _values(certificate: Certificate | None) -> tuple[Any, ...] | None:
    if certificate is None:
        return None
    return tuple(bytes(v) if isinstance(v, memoryview) else v for v in (getattr(certificate, n) for n in VERIFY_FIELDS))


def test_the_verification_row_is_what_the_orm_reads(
    personas: Any, now: dt.datetime, settings: Any, tmp_path: Path
) -> None:
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"
    certificate = certificate_issue(
        template="NCR",
        holder_id_number=personas.citizen.id_number,
        holder_name=personas.citizen.real_name,
        facts=SAMPLE_FACTS["NCR"],
        case_number="HZ-2026-000042",
        issued_at=now,
    )
    fresh = _values(verify_row(DEFAULT_DB_ALIAS, certificate.number))
    assert fresh == _values(verify_row_orm(DEFAULT_DB_ALIAS, certificate.number))
    assert fresh is not None and fresh[VERIFY_FIELDS.index("revoked_at")] is None
    # Every column in play: a revoked certificate with an issuer and other facts.
    Certificate.objects.filter(pk=certificate.pk).update(
        revoked_at=now + dt.timedelta(hours=2),
        revoked_reason="issued_in_error",
        issuer_code="330100",
        authority_zh="杭州市公安局",
        authority_en="Hangzhou Municipal Public Security Bureau",
        facts={"purpose": "出国", "note": "年"},
    )
    revoked = _values(verify_row(DEFAULT_DB_ALIAS, certificate.number))
    assert revoked == _values(verify_row_orm(DEFAULT_DB_ALIAS, certificate.number))
    assert revoked is not None and revoked[VERIFY_FIELDS.index("revoked_at")] == now + dt.timedelta(hours=2)
    assert revoked[VERIFY_FIELDS.index("facts")] == {"purpose": "出国", "note": "年"}
    assert verify_row(DEFAULT_DB_ALIAS, "NCR-2026-99999999") is None
    assert verify_row_orm(DEFAULT_DB_ALIAS, "NCR-2026-99999999") is None
