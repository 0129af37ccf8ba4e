"""API shapes: the public verification answer (masked only) and a holder's certificate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from tongban.certificates.services import VerificationResult


class VerifyIn(Schema):
    token: str = Field(..., min_length=1, max_length=2000, description="The QR token (TB1.…) or the QR link")


class FactOut(Schema):
    label_zh: str
    label_en: str
    value: str


class VerifyOut(Schema):
    status: str = Field(
        ..., description="genuine | tampered | expired | revoked | unknown_key | not_yet_valid | malformed"
    )
    label_zh: str
    label_en: str
    number: str | None = None
    template: str | None = None
    title_zh: str = ""
    title_en: str = ""
    authority_zh: str = ""
    authority_en: str = ""
    holder_name: str | None = Field(None, description="masked")
    holder_id_number: str | None = Field(None, description="masked")
    issued_at: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    kid: str | None = None
    revoked_at: dt.datetime | None = None
    revoked_reason: str = ""
    revoked_reason_zh: str = ""
    revoked_reason_en: str = ""
    facts: list[FactOut] = []

    @staticmethod
    def of(result: VerificationResult) -> dict[str, Any]:
        claims = result.claims
        return {
            "status": result.status.value,
            "label_zh": result.label_zh,
            "label_en": result.label_en,
            "number": claims.number if claims else None,
            "template": claims.template if claims else None,
            "title_zh": result.title_zh,
            "title_en": result.title_en,
            "authority_zh": result.authority_zh,
            "authority_en": result.authority_en,
            "holder_name": claims.holder_name_masked if claims else None,
            "holder_id_number": claims.holder_id_masked if claims else None,
            "issued_at": claims.issued_at if claims else None,
            "valid_until": claims.valid_until if claims else None,
            "kid": result.kid,
            "revoked_at": result.revoked_at,
            "revoked_reason": result.revoked_reason,
            "revoked_reason_zh": result.revoked_reason_zh,
            "revoked_reason_en": result.revoked_reason_en,
            "facts": [{"label_zh": f.label_zh, "label_en": f.label_en, "value": f.value} for f in result.facts],
        }


class CertificateOut(Schema):
    number: str
    template: str
    title_zh: str
    holder_name: str
    holder_id_number: str
    facts: dict[str, str]
    issued_at: dt.datetime
    valid_until: dt.datetime
    key_id: str
    case_number: str
    revoked_at: dt.datetime | None
    revoked_reason: str
    token: str
    verify_url: str
    pdf_url: str


class RevokeIn(Schema):
    reason: str = Field(
        ..., description="commitment_false | issued_in_error | superseded | holder_request | facts_changed | other"
    )
    note: str = Field("", max_length=500)
