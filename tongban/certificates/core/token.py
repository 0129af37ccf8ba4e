"""The signed token: a COSE_Sign1 structure (RFC 9052, alg EdDSA) in unpadded base64url.

    token = "TB1." base64url( #6.18([ protected: bstr .cbor {1: -8, 4: kid},
                                       unprotected: {},
                                       payload: bstr .cbor claims,
                                       signature: bstr(64) ]) )

The key id sits in the protected header, so it is signed too. The envelope is written and read
by hand (it has one fixed shape): parsing accepts only the exact deterministic layout, so a
re-encoded or re-spelled token is refused, and it is cheap on the verification hot path.
A test checks the bytes against cbor2's canonical encoding of the same COSE structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tongban.certificates.core import encoding
from tongban.certificates.core.documents import CertificateDocument, Claims
from tongban.certificates.core.keys import KID_BYTES, Signer

PREFIX = "TB1."
COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
TOKEN_PATTERN = re.compile(r"TB1\.[A-Za-z0-9_-]{40,1000}")


class MalformedToken(ValueError):
    """Text or bytes that are not a tongban COSE_Sign1 token."""


@dataclass(frozen=True, slots=True)
class Sign1:
    """A parsed COSE_Sign1: the signature is not checked yet."""

    protected: bytes
    kid: bytes
    payload: bytes
    signature: bytes

    def to_be_signed(self) -> bytes:
        return _sig_structure(self.protected, self.payload)


def _bstr_header(length: int) -> bytes:
    """The shortest CBOR head of a byte string of ``length`` bytes (RFC 8949 §4.2.1)."""
    if length < 24:
        return bytes([0x40 | length])
    if length < 0x100:
        return bytes([0x58, length])
    if length < 0x10000:
        return bytes([0x59]) + length.to_bytes(2, "big")
    raise MalformedToken("byte string too long")


def _bstr(value: bytes) -> bytes:
    return _bstr_header(len(value)) + value


def _read_bstr(data: bytes, pos: int) -> tuple[bytes, int]:
    """Read a byte string at ``pos`` whose head must be the shortest form; returns (value, end)."""
    if pos >= len(data):
        raise MalformedToken("truncated")
    head = data[pos]
    if 0x40 <= head < 0x58:
        length, pos = head - 0x40, pos + 1
    elif head == 0x58 and pos + 1 < len(data) and data[pos + 1] >= 24:
        length, pos = data[pos + 1], pos + 2
    elif head == 0x59 and pos + 2 < len(data) and int.from_bytes(data[pos + 1 : pos + 3], "big") >= 0x100:
        length, pos = int.from_bytes(data[pos + 1 : pos + 3], "big"), pos + 3
    else:
        raise MalformedToken("expected a shortest-form byte string")
    end = pos + length
    if end > len(data):
        raise MalformedToken("truncated")
    return data[pos:end], end


# Sig_structure = ["Signature1", protected, external_aad = h'', payload] (RFC 9052 §4.4).
_SIG_STRUCTURE_HEAD = b"\x84\x6aSignature1"
# protected = {1: -8, 4: h'<8-byte kid>'}: the only header tongban writes or accepts.
_PROTECTED_HEAD = b"\xa2\x01\x27\x04\x48"
# #6.18([ (tag 18, array of 4)
_SIGN1_HEAD = b"\xd2\x84"


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return _SIG_STRUCTURE_HEAD + _bstr(protected) + b"\x40" + _bstr(payload)


def sign1(payload: bytes, signer: Signer) -> bytes:
    """COSE_Sign1 bytes of ``payload`` signed by ``signer``."""
    kid = signer.kid_bytes
    if len(kid) != KID_BYTES:
        raise ValueError("a key id has 8 bytes")
    protected = _PROTECTED_HEAD + kid
    signature = signer.sign(_sig_structure(protected, payload))
    return sign1_bytes(protected, payload, signature)


def sign1_bytes(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    return _SIGN1_HEAD + _bstr(protected) + b"\xa0" + _bstr(payload) + _bstr(signature)


def parse_sign1(data: bytes) -> Sign1:
    """Parse COSE_Sign1 bytes strictly: exactly the deterministic layout tongban writes, nothing
    before or after. Raises MalformedToken."""
    if not data.startswith(_SIGN1_HEAD):
        raise MalformedToken("not a COSE_Sign1 (tag 18, four elements)")
    protected, pos = _read_bstr(data, len(_SIGN1_HEAD))
    if len(protected) != len(_PROTECTED_HEAD) + KID_BYTES or not protected.startswith(_PROTECTED_HEAD):
        raise MalformedToken("protected header must be {alg: EdDSA, kid: 8 bytes}")
    if data[pos : pos + 1] != b"\xa0":
        raise MalformedToken("the unprotected header must be empty")
    payload, pos = _read_bstr(data, pos + 1)
    signature, pos = _read_bstr(data, pos)
    if len(signature) != 64:
        raise MalformedToken("an Ed25519 signature has 64 bytes")
    if pos != len(data):
        raise MalformedToken("trailing bytes after the COSE_Sign1")
    return Sign1(protected=protected, kid=protected[len(_PROTECTED_HEAD) :], payload=payload, signature=signature)


def issue_token(certificate: CertificateDocument | Claims, signer: Signer) -> str:
    """The signed QR token for a certificate."""
    claims = certificate.claims() if isinstance(certificate, CertificateDocument) else certificate
    payload = encoding.dumps(claims.to_cbor_map())
    return PREFIX + encoding.b64url(sign1(payload, signer))


def parse_token(token: str) -> Sign1:
    """Parse a token string (surrounding whitespace allowed); raises MalformedToken."""
    token = token.strip()
    if not token.startswith(PREFIX):
        raise MalformedToken(f"a token starts with {PREFIX}")
    try:
        data = encoding.b64url_decode(token[len(PREFIX) :])
    except encoding.EncodingError as exc:
        raise MalformedToken(str(exc)) from exc
    return parse_sign1(data)


def find_token(text: str) -> str | None:
    """The first token inside a QR text or URL (``...verify?t=TB1.xxx``), if any."""
    match = TOKEN_PATTERN.search(text)
    return match.group(0) if match else None
