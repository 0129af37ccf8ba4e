"""The pure certificate engine: signing, verification verdicts, rotation, revocation, privacy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tongban.certificates.core import (
    CertificateDocument,
    KeyDirectory,
    KeySet,
    RevocationEntry,
    RevocationList,
    SoftwareSigner,
    Status,
    encoding,
    get_template,
    issue_token,
    templates,
    verify,
)
from tongban.certificates.core.keys import KeyMaterialError, PublicKey
from tongban.certificates.core.render import qr_text
from tongban.certificates.core.revocation import InvalidRevocationList
from tongban.certificates.core.templates import InvalidFacts
from tongban.certificates.core.token import PREFIX, parse_token
from tongban.certificates.core.verify import document_matches

from .conftest import HOLDER_ID, HOLDER_NAME, ISSUED, SAMPLE_FACTS, VERIFY_URL

MakeDoc = Callable[..., CertificateDocument]
LATER = ISSUED + dt.timedelta(days=1)
_FUZZ_SIGNER = SoftwareSigner.generate()
_FUZZ_TOKEN = issue_token(
    CertificateDocument(
        number="NCR-2026-00000001", template="NCR", holder_name=HOLDER_NAME, holder_id=HOLDER_ID,
        facts=SAMPLE_FACTS["NCR"], issued_at=ISSUED, valid_until=ISSUED + dt.timedelta(days=90),
    ),
    _FUZZ_SIGNER,
)  # fmt: skip


def test_genuine_token_verifies_with_masked_claims(
    signer: SoftwareSigner, keyset: KeySet, make_document: MakeDoc
) -> None:
    document = make_document()
    result = verify(issue_token(document, signer), keyset, now=LATER)
    assert result.status is Status.GENUINE
    assert result.claims is not None
    assert result.claims.number == "NCR-2026-00000123"
    assert result.claims.holder_name_masked == "欧***"
    assert result.claims.holder_id_masked == "330106********1234"
    assert result.claims.issued_at == ISSUED
    assert result.claims.valid_until == ISSUED + dt.timedelta(days=90)
    assert result.kid == signer.kid
    assert document_matches(result.claims, document)


def test_every_single_byte_change_in_payload_or_signature_is_tampered(
    signer: SoftwareSigner, keyset: KeySet, make_document: MakeDoc
) -> None:
    token = issue_token(make_document(), signer)
    sign1 = parse_token(token)
    raw = encoding.b64url_decode(token[len(PREFIX) :])
    start = raw.index(sign1.payload)
    sig_start = raw.index(sign1.signature)
    positions = [*range(start, start + len(sign1.payload)), *range(sig_start, sig_start + 64)]
    for position in positions:
        changed = bytearray(raw)
        changed[position] ^= 0x01
        result = verify(PREFIX + encoding.b64url(bytes(changed)), keyset, now=LATER)
        assert result.status is Status.TAMPERED, position
        assert result.claims is None


def test_no_single_character_change_of_the_token_text_is_genuine(
    signer: SoftwareSigner, keyset: KeySet, make_document: MakeDoc
) -> None:
    token = issue_token(make_document(), signer)
    for position in range(len(PREFIX), len(token)):
        replacement = "A" if token[position] != "A" else "B"
        changed = token[:position] + replacement + token[position + 1 :]
        assert verify(changed, keyset, now=LATER).status is not Status.GENUINE, position


def test_non_canonical_spellings_are_refused(signer: SoftwareSigner, keyset: KeySet, make_document: MakeDoc) -> None:
    token = issue_token(make_document(), signer)
    raw = encoding.b64url_decode(token[len(PREFIX) :])
    trailing = PREFIX + encoding.b64url(raw + b"\x00")
    assert verify(trailing, keyset, now=LATER).status is Status.MALFORMED
    # The last base64url character carries unused bits: a different spelling of the same bytes.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    respelled = token[:-1] + alphabet[last ^ 1]
    assert verify(respelled, keyset, now=LATER).status is not Status.GENUINE
    assert verify("hello", keyset, now=LATER).status is Status.MALFORMED
    assert verify(PREFIX + "!!!", keyset, now=LATER).status is Status.MALFORMED


def test_signature_from_unknown_key(keyset: KeySet, make_document: MakeDoc) -> None:
    stranger = SoftwareSigner.generate()
    result = verify(issue_token(make_document(), stranger), keyset, now=LATER)
    assert result.status is Status.UNKNOWN_KEY
    assert result.kid == stranger.kid
    assert result.claims is None


def test_expiry_is_half_open(signer: SoftwareSigner, keyset: KeySet, make_document: MakeDoc) -> None:
    document = make_document()
    token = issue_token(document, signer)
    second = dt.timedelta(seconds=1)
    assert verify(token, keyset, now=document.valid_until - second).status is Status.GENUINE
    assert verify(token, keyset, now=document.valid_until).status is Status.EXPIRED
    assert verify(token, keyset, now=document.valid_until + dt.timedelta(days=400)).status is Status.EXPIRED


def test_not_yet_valid_beyond_clock_skew(signer: SoftwareSigner, keyset: KeySet, make_document: MakeDoc) -> None:
    token = issue_token(make_document(), signer)
    assert verify(token, keyset, now=ISSUED - dt.timedelta(minutes=4)).status is Status.GENUINE
    assert verify(token, keyset, now=ISSUED - dt.timedelta(minutes=6)).status is Status.NOT_YET_VALID


def test_revoked_by_signed_list_even_when_expired(
    signer: SoftwareSigner, keyset: KeySet, make_document: MakeDoc
) -> None:
    document = make_document()
    token = issue_token(document, signer)
    entry = RevocationEntry(document.number, LATER, "commitment_false")
    signed = RevocationList.build(
        [entry, RevocationEntry("NCR-2026-00000999", LATER, "other")], issuer="tongban", now=LATER
    ).sign(signer)
    revocations = RevocationList.verify_and_load(signed, keyset)
    assert revocations.get(document.number) == entry
    result = verify(token, keyset, revocations, now=LATER)
    assert result.status is Status.REVOKED
    assert result.revocation == entry
    after_expiry = document.valid_until + dt.timedelta(days=1)
    assert verify(token, keyset, revocations, now=after_expiry).status is Status.REVOKED
    other = make_document(number="NCR-2026-00000124")
    assert verify(issue_token(other, signer), keyset, revocations, now=LATER).status is Status.GENUINE
    assert revocations.is_stale(LATER + dt.timedelta(days=1))
    assert not revocations.is_stale(LATER + dt.timedelta(hours=23))


def test_revocation_list_must_be_signed_by_a_published_key(signer: SoftwareSigner, keyset: KeySet) -> None:
    entries = [RevocationEntry("NCR-2026-00000001", LATER, "issued_in_error")]
    signed = bytearray(RevocationList.build(entries, issuer="tongban", now=LATER).sign(signer))
    forged = RevocationList.build([], issuer="tongban", now=LATER).sign(SoftwareSigner.generate())
    with pytest.raises(InvalidRevocationList):
        RevocationList.verify_and_load(forged, keyset)
    signed[-70] ^= 0x01  # inside the payload: an entry or a time
    with pytest.raises(InvalidRevocationList):
        RevocationList.verify_and_load(bytes(signed), keyset)
    with pytest.raises(ValueError, match="unknown revocation reason"):
        RevocationList.build([RevocationEntry("x", LATER, "bored")], issuer="t", now=LATER).sign(signer)


def test_rotation_new_key_signs_old_certificates_still_verify(tmp_path: Path, make_document: MakeDoc) -> None:
    keys = KeyDirectory(tmp_path / "keys")
    first = keys.ensure(now=ISSUED - dt.timedelta(days=30))
    assert keys.ensure(now=ISSUED).kid == first.kid  # ensure reuses the key it has
    old = issue_token(make_document(), keys.signer())
    second = keys.rotate(now=ISSUED)
    assert second.kid != first.kid
    assert keys.signer().kid == second.kid
    new = issue_token(make_document(number="NCR-2026-00000200"), keys.signer())
    published = keys.key_set()
    assert {k.kid for k in published} == {first.kid, second.kid}
    assert published.get(first.kid_bytes).retired_at == ISSUED
    assert published.get(second.kid_bytes).retired_at is None
    for token, kid in ((old, first.kid), (new, second.kid)):
        result = verify(token, KeySet.load(tmp_path / "keys"), now=LATER)
        assert (result.status, result.kid) == (Status.GENUINE, kid)
    assert (tmp_path / "keys" / f"{first.kid}.pem").stat().st_mode & 0o077 == 0


def test_key_set_refuses_a_kid_that_does_not_match_the_key(signer: SoftwareSigner) -> None:
    jwk = signer.public_key().to_jwk()
    assert PublicKey.from_jwk(jwk).kid == signer.kid
    with pytest.raises(KeyMaterialError, match="does not match"):
        PublicKey.from_jwk({**jwk, "kid": SoftwareSigner.generate().kid})
    with pytest.raises(KeyMaterialError):
        PublicKey.from_jwk({**jwk, "crv": "P-256"})
    with pytest.raises(KeyMaterialError):
        KeySet.loads('{"keys": 3}')


@pytest.mark.parametrize("template", sorted(SAMPLE_FACTS))
def test_token_is_short_and_carries_no_unmasked_personal_data(
    signer: SoftwareSigner, make_document: MakeDoc, template: str
) -> None:
    long_name = "爱新觉罗·溥仪宝"  # long names must still fit
    document = make_document(template, holder_name=long_name, number=f"{template}-2026-99999999")
    token = issue_token(document, signer)
    assert len(token) < 400
    qr = qr_text(VERIFY_URL, token)
    assert len(qr.encode()) < 460
    payload = parse_token(token).payload
    for text in (payload, qr.encode()):
        assert HOLDER_ID.encode() not in text
        assert HOLDER_ID[6:14].encode() not in text  # the birth date part
        assert long_name.encode() not in text
        assert long_name[1:].encode() not in text
        for value in document.facts.values():
            if len(value) > 3:
                assert value.encode() not in text, value
    assert "爱" in encoding.loads(payload)[4]


def test_facts_digest_binds_every_fact_and_uses_a_salt(make_document: MakeDoc) -> None:
    document = make_document()
    claims = document.claims()
    altered = make_document(facts={**SAMPLE_FACTS["NCR"], "purpose": "出国"}, salt=document.salt)
    assert not document_matches(claims, altered)
    other_id = make_document(holder_id="330106199001015678", salt=document.salt)
    assert not document_matches(claims, other_id)
    same = make_document(salt=document.salt)
    assert document_matches(claims, same)
    assert make_document().digest() != document.digest()  # a fresh salt, a fresh digest
    assert CertificateDocument.from_json(document.to_json()) == document


def test_templates_are_complete_and_validate_facts() -> None:
    assert set(templates()) == {"NCR", "RP", "TP", "DOG", "RENT", "SETTLE"}
    for code, template in templates().items():
        facts = template.validate_facts(SAMPLE_FACTS[code])
        body = template.body(holder_name=HOLDER_NAME, holder_id=HOLDER_ID, facts=facts)
        assert HOLDER_NAME in body
        assert "{" not in body
    ncr = get_template("NCR")
    with pytest.raises(InvalidFacts, match="missing"):
        ncr.validate_facts({"purpose": "就业"})
    with pytest.raises(InvalidFacts, match="unexpected"):
        ncr.validate_facts({**SAMPLE_FACTS["NCR"], "extra": "x"})
    with pytest.raises(InvalidFacts):
        ncr.validate_facts({**SAMPLE_FACTS["NCR"], "purpose": "  "})
    with pytest.raises(InvalidFacts):
        ncr.valid_until(ISSUED, days=181)
    assert get_template("TP").public_facts({**SAMPLE_FACTS["TP"]})[0][1] == "鲁F***45"


def test_deterministic_encoding_refuses_what_it_cannot_order() -> None:
    assert encoding.dumps({2: "b", 1: "a", 10: "c"}) == encoding.dumps({10: "c", 1: "a", 2: "b"})
    assert encoding.dumps({"bb": 1, "a": 2}).index(b"a") < encoding.dumps({"bb": 1, "a": 2}).index(b"bb")
    with pytest.raises(encoding.EncodingError):
        encoding.dumps({"x": 1.5})
    with pytest.raises(encoding.EncodingError):
        encoding.dumps({"k" * 30: 1})


def test_hand_written_cose_envelope_is_canonical_cbor(signer: SoftwareSigner, make_document: MakeDoc) -> None:
    import cbor2

    from tongban.certificates.core.token import sign1

    token = issue_token(make_document(), signer)
    raw = encoding.b64url_decode(token[len(PREFIX) :])
    parsed = parse_token(token)
    decoded = cbor2.loads(raw)
    assert decoded.tag == 18
    protected, unprotected, payload, signature = decoded.value
    assert cbor2.loads(protected) == {1: -8, 4: signer.kid_bytes}
    assert (dict(unprotected), payload, signature) == ({}, parsed.payload, parsed.signature)
    assert cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]), canonical=True) == raw
    assert parsed.to_be_signed() == cbor2.dumps(["Signature1", protected, b"", payload], canonical=True)
    assert encoding.dumps(cbor2.loads(payload)) == payload  # the claims are deterministic CBOR
    long_payload = b"p" * 300  # a two-byte length head
    assert cbor2.loads(sign1(long_payload, signer)).value[2] == long_payload


@settings(max_examples=300, deadline=None)
@given(garbage=st.binary(min_size=0, max_size=400), text=st.text(max_size=300))
def test_verify_never_raises_and_never_accepts_garbage(garbage: bytes, text: str) -> None:
    keyset = KeySet([_FUZZ_SIGNER.public_key()])
    for candidate in (PREFIX + encoding.b64url(garbage), text, PREFIX + text):
        assert verify(candidate, keyset, now=LATER).status is not Status.GENUINE


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0, max_value=10_000), bit=st.integers(min_value=0, max_value=7))
def test_any_bit_flip_of_a_genuine_token_is_refused(position: int, bit: int) -> None:
    keyset = KeySet([_FUZZ_SIGNER.public_key()])
    assert verify(_FUZZ_TOKEN, keyset, now=LATER).status is Status.GENUINE  # not vacuous
    raw = bytearray(encoding.b64url_decode(_FUZZ_TOKEN[len(PREFIX) :]))
    raw[position % len(raw)] ^= 1 << bit
    assert verify(PREFIX + encoding.b64url(bytes(raw)), keyset, now=LATER).status is not Status.GENUINE
