"""Signed revocation lists for offline verifiers.

A revocation list is a COSE_Sign1 (the same envelope as a token, raw bytes rather than text)
over ``{0: 2, 1: issuer, 2: this_update, 3: next_update, 4: [[number, revoked_at, reason], ...]}``
with entries sorted by certificate number. A verifier refuses a list whose signature does not
check against the key set, and can see from ``next_update`` whether its copy is stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from tongban.certificates.core import encoding
from tongban.certificates.core.documents import TYPE, TYPE_REVOCATIONS
from tongban.certificates.core.keys import KeySet, Signer, UnknownKey
from tongban.certificates.core.token import MalformedToken, parse_sign1, sign1

# Reason codes and their labels (中文, English).
REASONS: dict[str, tuple[str, str]] = {
    "commitment_false": ("告知承诺内容不实", "The applicant's commitment was found false"),
    "issued_in_error": ("错误签发", "Issued in error"),
    "superseded": ("已换发新证", "Superseded by a new certificate"),
    "holder_request": ("持证人申请注销", "Cancelled at the holder's request"),
    "facts_changed": ("证明事项已变更", "The certified facts have changed"),
    "other": ("其他原因", "Other reason"),
}

_ISSUER, _THIS_UPDATE, _NEXT_UPDATE, _ENTRIES = 1, 2, 3, 4


class InvalidRevocationList(ValueError):
    """A revocation list that is malformed or whose signature does not verify."""


@dataclass(frozen=True, slots=True)
class RevocationEntry:
    """One revoked certificate."""

    number: str
    revoked_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class RevocationList:
    """The set of revoked certificate numbers as of ``this_update``."""

    issuer: str
    this_update: dt.datetime
    next_update: dt.datetime
    entries: tuple[RevocationEntry, ...] = ()
    _index: dict[str, RevocationEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(sorted(self.entries, key=lambda e: e.number)))
        object.__setattr__(self, "_index", {e.number: e for e in self.entries})

    @classmethod
    def build(
        cls,
        entries: Iterable[RevocationEntry],
        *,
        issuer: str,
        now: dt.datetime,
        valid_for: dt.timedelta = dt.timedelta(days=1),
    ) -> RevocationList:
        now = now.astimezone(dt.UTC).replace(microsecond=0)
        return cls(issuer=issuer, this_update=now, next_update=now + valid_for, entries=tuple(entries))

    def get(self, number: str) -> RevocationEntry | None:
        return self._index.get(number)

    def is_stale(self, now: dt.datetime) -> bool:
        return now >= self.next_update

    def sign(self, signer: Signer) -> bytes:
        for entry in self.entries:
            if entry.reason not in REASONS:
                raise ValueError(f"unknown revocation reason {entry.reason!r}")
        payload = encoding.dumps(
            {
                TYPE: TYPE_REVOCATIONS,
                _ISSUER: self.issuer,
                _THIS_UPDATE: int(self.this_update.timestamp()),
                _NEXT_UPDATE: int(self.next_update.timestamp()),
                _ENTRIES: [[e.number, int(e.revoked_at.timestamp()), e.reason] for e in self.entries],
            }
        )
        return sign1(payload, signer)

    @classmethod
    def verify_and_load(cls, data: bytes, keyset: KeySet) -> RevocationList:
        """Check the signature against ``keyset`` and parse; raises InvalidRevocationList."""
        try:
            sign1_ = parse_sign1(data)
            key = keyset.get(sign1_.kid)
        except (MalformedToken, UnknownKey) as exc:
            raise InvalidRevocationList(f"revocation list: {exc}") from exc
        if not key.verify(sign1_.signature, sign1_.to_be_signed()):
            raise InvalidRevocationList("revocation list: signature does not verify")
        try:
            body = encoding.loads(sign1_.payload)
            if not isinstance(body, dict) or body.get(TYPE) != TYPE_REVOCATIONS:
                raise InvalidRevocationList("not a revocation list")
            entries = tuple(
                RevocationEntry(
                    number=str(number),
                    revoked_at=dt.datetime.fromtimestamp(int(at), dt.UTC),
                    reason=str(reason),
                )
                for number, at, reason in body[_ENTRIES]
            )
            return cls(
                issuer=str(body[_ISSUER]),
                this_update=dt.datetime.fromtimestamp(int(body[_THIS_UPDATE]), dt.UTC),
                next_update=dt.datetime.fromtimestamp(int(body[_NEXT_UPDATE]), dt.UTC),
                entries=entries,
            )
        except (encoding.EncodingError, KeyError, TypeError, ValueError) as exc:
            raise InvalidRevocationList(f"revocation list: {exc}") from exc
