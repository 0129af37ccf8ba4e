"""The certificate as a whole (``CertificateDocument``) and the compact signed claim set
(``Claims``) that the QR token carries.

The token holds no unmasked personal data: only the masked holder, the certificate number,
template, issuer, validity and a 128-bit digest binding the full document. The digest includes a
random salt, kept by the issuer and inside the holder's PDF, so the masked-out digits of an ID
number cannot be recovered by trying every candidate against the digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tongban.certificates.core import encoding
from tongban.certificates.core.templates import get_template
from tongban.common.masking import mask_id_number, mask_name

DIGEST_BYTES = 16
SALT_BYTES = 16

# Integer labels of the claim map (small ints keep the token short, like CWT, RFC 8392).
TYPE, NUMBER, TEMPLATE, ISSUER, HOLDER_NAME, HOLDER_ID, ISSUED_AT, VALID_UNTIL, DIGEST = range(9)
TYPE_CERTIFICATE = 1
TYPE_REVOCATIONS = 2


class InvalidClaims(ValueError):
    """A signed payload that is not a well-formed claim set."""


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    # Tokens carry whole seconds; dropping microseconds here keeps document and token equal.
    return value.astimezone(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Claims:
    """What the QR token says, signed: enough to identify and check the certificate offline."""

    number: str
    template: str
    issuer: str
    holder_name_masked: str
    holder_id_masked: str
    issued_at: dt.datetime
    valid_until: dt.datetime
    digest: bytes

    def to_cbor_map(self) -> dict[int, Any]:
        return {
            TYPE: TYPE_CERTIFICATE,
            NUMBER: self.number,
            TEMPLATE: self.template,
            ISSUER: self.issuer,
            HOLDER_NAME: self.holder_name_masked,
            HOLDER_ID: self.holder_id_masked,
            ISSUED_AT: int(self.issued_at.timestamp()),
            VALID_UNTIL: int(self.valid_until.timestamp()),
            DIGEST: self.digest,
        }

    @classmethod
    def from_cbor_map(cls, data: object) -> Claims:
        """Parse a decoded claim map; raises InvalidClaims."""
        if not isinstance(data, dict) or data.get(TYPE) != TYPE_CERTIFICATE:
            raise InvalidClaims("not a certificate claim set")
        if set(data) != set(range(9)):
            raise InvalidClaims("unexpected or missing claims")
        texts = [data[k] for k in (NUMBER, TEMPLATE, ISSUER, HOLDER_NAME, HOLDER_ID)]
        times = [data[ISSUED_AT], data[VALID_UNTIL]]
        if not all(isinstance(t, str) for t in texts):
            raise InvalidClaims("text claims must be text")
        if not all(isinstance(t, int) and not isinstance(t, bool) and 0 <= t < 2**40 for t in times):
            raise InvalidClaims("times must be integer seconds")
        if not isinstance(data[DIGEST], bytes) or len(data[DIGEST]) != DIGEST_BYTES:
            raise InvalidClaims("bad digest")
        return cls(
            number=data[NUMBER],
            template=data[TEMPLATE],
            issuer=data[ISSUER],
            holder_name_masked=data[HOLDER_NAME],
            holder_id_masked=data[HOLDER_ID],
            issued_at=dt.datetime.fromtimestamp(data[ISSUED_AT], dt.UTC),
            valid_until=dt.datetime.fromtimestamp(data[VALID_UNTIL], dt.UTC),
            digest=data[DIGEST],
        )


@dataclass(frozen=True)
class CertificateDocument:
    """A certificate in full: holder, facts, validity. Lives in the database and in the PDF."""

    number: str
    template: str
    holder_name: str
    holder_id: str
    facts: Mapping[str, str]
    issued_at: dt.datetime
    valid_until: dt.datetime
    salt: bytes = field(default_factory=lambda: secrets.token_bytes(SALT_BYTES))
    # The issuing bureau (the handling outlet's): its region code and names. Signed with the rest.
    issuer_code: str = ""
    authority_zh: str = ""
    authority_en: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "issued_at", _utc(self.issued_at))
        object.__setattr__(self, "valid_until", _utc(self.valid_until))
        if self.valid_until <= self.issued_at:
            raise ValueError("valid_until must be after issued_at")
        if len(self.salt) != SALT_BYTES:
            raise ValueError("salt must have 16 bytes")
        object.__setattr__(self, "facts", get_template(self.template).validate_facts(self.facts))

    @property
    def issuer(self) -> str:
        return self.issuer_code or get_template(self.template).issuer_code

    def digest(self) -> bytes:
        return facts_digest(self)

    def claims(self) -> Claims:
        return Claims(
            number=self.number,
            template=self.template,
            issuer=self.issuer,
            holder_name_masked=mask_name(self.holder_name),
            holder_id_masked=mask_id_number(self.holder_id),
            issued_at=self.issued_at,
            valid_until=self.valid_until,
            digest=self.digest(),
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON form embedded in the PDF so an offline verifier can check the full facts."""
        return {
            "number": self.number,
            "template": self.template,
            "holder_name": self.holder_name,
            "holder_id": self.holder_id,
            "facts": dict(self.facts),
            "issued_at": int(self.issued_at.timestamp()),
            "valid_until": int(self.valid_until.timestamp()),
            "salt": encoding.b64url(self.salt),
            **(
                {"issuer": self.issuer_code, "authority_zh": self.authority_zh, "authority_en": self.authority_en}
                if self.authority_zh
                else {}
            ),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CertificateDocument:
        """Parse the embedded JSON form; raises ValueError (or a subclass) when malformed."""
        try:
            return cls(
                number=str(data["number"]),
                template=str(data["template"]),
                holder_name=str(data["holder_name"]),
                holder_id=str(data["holder_id"]),
                facts={str(k): str(v) for k, v in dict(data["facts"]).items()},
                issued_at=dt.datetime.fromtimestamp(int(data["issued_at"]), dt.UTC),
                valid_until=dt.datetime.fromtimestamp(int(data["valid_until"]), dt.UTC),
                salt=encoding.b64url_decode(str(data["salt"])),
                issuer_code=str(data.get("issuer", "")),
                authority_zh=str(data.get("authority_zh", "")),
                authority_en=str(data.get("authority_en", "")),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed certificate document: {exc}") from exc


def facts_digest(document: CertificateDocument) -> bytes:
    """SHA-256 (truncated to 128 bits) of the deterministic CBOR of the whole document."""
    return record_digest(
        number=document.number,
        template=document.template,
        holder_name=document.holder_name,
        holder_id=document.holder_id,
        facts=document.facts,
        issued_at=int(document.issued_at.timestamp()),
        valid_until=int(document.valid_until.timestamp()),
        salt=document.salt,
        authority=(document.issuer_code, document.authority_zh, document.authority_en),
    )


def record_digest(
    *,
    number: str,
    template: str,
    holder_name: str,
    holder_id: str,
    facts: Mapping[str, str],
    issued_at: int,
    valid_until: int,
    salt: bytes,
    authority: tuple[str, str, str] = ("", "", ""),
) -> bytes:
    """The digest of a certificate given as plain values (times in whole seconds), as an online
    verifier reads them from its records; equal to ``facts_digest`` of the same document.

    The values are not validated: any difference from what was signed (a fact changed, added or
    dropped, another type) gives another digest, which is the answer such records deserve."""
    # The type walk of ``encoding.dumps`` is skipped: this runs on every online verification, and
    # whatever a record holds (JSON types, text, bytes) has some CBOR encoding: if it is not the
    # deterministic one a document of checked values gets, the digest simply differs.
    body = encoding.redump(
        {
            "n": number,
            "t": template,
            "hn": holder_name,
            "hi": holder_id,
            "f": dict(facts),
            "iat": issued_at,
            "exp": valid_until,
            "s": salt,
            # The issuing bureau, when the certificate names one (older ones do not: same digest).
            **({"a": list(authority)} if authority[1] else {}),
        }
    )
    return hashlib.sha256(body).digest()[:DIGEST_BYTES]
