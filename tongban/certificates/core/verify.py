"""Offline verification of a token against a key set and, optionally, a revocation source.

The answer is one of: genuine, tampered, expired, revoked, unknown_key, not_yet_valid, malformed.
Checks run in that order of authority: the signature first (nothing in an unsigned payload is
believed), then revocation (a revoked certificate says so even when also expired), then time.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from tongban.certificates.core import encoding
from tongban.certificates.core.documents import CertificateDocument, Claims, InvalidClaims
from tongban.certificates.core.keys import KeySet, UnknownKey
from tongban.certificates.core.revocation import RevocationEntry
from tongban.certificates.core.token import MalformedToken, parse_token

# A certificate issued this far in the verifier's future is still accepted (clocks drift).
CLOCK_SKEW = dt.timedelta(minutes=5)


class Status(StrEnum):
    GENUINE = "genuine"
    TAMPERED = "tampered"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN_KEY = "unknown_key"
    NOT_YET_VALID = "not_yet_valid"
    MALFORMED = "malformed"


LABELS: dict[Status, tuple[str, str]] = {
    Status.GENUINE: ("真实有效", "Genuine and valid"),
    Status.TAMPERED: ("内容被篡改或签名无效", "Tampered: the signature does not match"),
    Status.EXPIRED: ("已过有效期", "Expired"),
    Status.REVOKED: ("已被撤销", "Revoked"),
    Status.UNKNOWN_KEY: ("签发密钥未知，无法确认真伪", "Signed by an unknown key"),
    Status.NOT_YET_VALID: ("尚未生效", "Not yet valid"),
    Status.MALFORMED: ("不是有效的电子证照核验码", "Not a certificate token"),
}


class RevocationSource(Protocol):
    """Anything that answers whether a certificate number is revoked (a list, the database)."""

    def get(self, number: str) -> RevocationEntry | None: ...


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of one verification. ``claims`` is set only when the signature verified."""

    status: Status
    claims: Claims | None = None
    kid: str | None = None
    revocation: RevocationEntry | None = None
    detail: str = ""

    @property
    def genuine(self) -> bool:
        return self.status is Status.GENUINE

    @property
    def label_zh(self) -> str:
        return LABELS[self.status][0]

    @property
    def label_en(self) -> str:
        return LABELS[self.status][1]


def verify(
    token: str,
    keyset: KeySet,
    revocation_list: RevocationSource | None = None,
    *,
    now: dt.datetime,
) -> Verification:
    """Verify a token offline. Never raises on bad input: malformed input is a status."""
    try:
        sign1 = parse_token(token)
    except MalformedToken as exc:
        return Verification(Status.MALFORMED, detail=str(exc))
    kid = encoding.b64url(sign1.kid)
    try:
        key = keyset.get(sign1.kid)
    except UnknownKey:
        return Verification(Status.UNKNOWN_KEY, kid=kid, detail=f"no published key {kid}")
    if not key.verify(sign1.signature, sign1.to_be_signed()):
        return Verification(Status.TAMPERED, kid=kid, detail="signature does not verify")
    # The payload's bytes are signed, so only the key holder could have chosen its encoding;
    # issue_token always writes the deterministic form (tested), and it is not re-checked here.
    try:
        claims = Claims.from_cbor_map(encoding.loads(sign1.payload))
    except (encoding.EncodingError, InvalidClaims) as exc:
        return Verification(Status.MALFORMED, kid=kid, detail=str(exc))
    if revocation_list is not None:
        entry = revocation_list.get(claims.number)
        if entry is not None:
            return Verification(Status.REVOKED, claims, kid, entry, detail=entry.reason)
    if claims.issued_at > now + CLOCK_SKEW:
        return Verification(Status.NOT_YET_VALID, claims, kid)
    if now >= claims.valid_until:
        return Verification(Status.EXPIRED, claims, kid)
    return Verification(Status.GENUINE, claims, kid)


def document_matches(claims: Claims, document: CertificateDocument) -> bool:
    """True when the full document (from the PDF or the database) is the one the token signs."""
    return (
        claims.number == document.number
        and claims.template == document.template
        and hmac.compare_digest(claims.digest, document.digest())
    )
