"""Deterministic CBOR (RFC 8949 §4.2.1 core deterministic encoding) and base64url helpers.

cbor2's ``canonical=True`` sorts map keys length-first, then bytewise (RFC 7049 canonical). For
the keys used here (small integers and text shorter than 24 bytes) that order is exactly the
bytewise order of the encoded keys that RFC 8949 asks for, and ``dumps`` refuses floats and
anything else whose deterministic form would need care.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from typing import Any

import cbor2

_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class EncodingError(ValueError):
    """A value that has no deterministic encoding here, or bytes that are not one."""


def _check(value: Any, depth: int = 0) -> None:
    if depth > 8:
        raise EncodingError("nesting too deep")
    if value is None or isinstance(value, bool | str | bytes):
        return
    if isinstance(value, int):
        if not -(2**63) <= value < 2**64:
            raise EncodingError("integer out of range")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, int | str) or isinstance(key, bool):
                raise EncodingError(f"map key {key!r} must be an int or text")
            if isinstance(key, str) and len(key.encode()) >= 24:
                raise EncodingError(f"map key {key!r} too long for the length-first order")
            _check(item, depth + 1)
        return
    if isinstance(value, Sequence):
        for item in value:
            _check(item, depth + 1)
        return
    raise EncodingError(f"type {type(value).__name__} is not allowed in a signed structure")


def dumps(value: Any) -> bytes:
    """Deterministic CBOR of ints, text, bytes, bools, None, lists and maps."""
    _check(value)
    return cbor2.dumps(value, canonical=True)


def redump(value: Any) -> bytes:
    """Re-encode a value just decoded by ``loads`` (already limited to plain types) to compare
    it with its source bytes; skips the type walk of ``dumps`` on the verification hot path."""
    return cbor2.dumps(value, canonical=True)


def loads(data: bytes) -> Any:
    """Decode CBOR; raises EncodingError on any malformation."""
    try:
        return cbor2.loads(data)
    except Exception as exc:  # cbor2 raises several types (CBORDecodeError, ValueError, ...)
        raise EncodingError(f"not CBOR: {exc}") from exc


def b64url(data: bytes) -> str:
    """Unpadded base64url (RFC 4648 §5)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; raises EncodingError."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise EncodingError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # The last character may carry unused low bits; refuse any spelling but the canonical one so
    # that two different token strings never stand for the same bytes.
    if b64url(data) != text:
        raise EncodingError("non-canonical base64url")
    return data
