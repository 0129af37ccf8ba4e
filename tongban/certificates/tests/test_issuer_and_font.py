"""The issuing bureau is part of the signed document, and the PDF embeds a CJK font that has a
glyph for every character a certificate prints (issue 15)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pypdfium2
import pytest

from tongban.certificates.core import CertificateDocument, KeyDirectory, issue_token
from tongban.certificates.core.extract import extract_from_pdf
from tongban.certificates.core.render import missing_glyphs, render_pdf
from tongban.certificates.core.templates import templates
from tongban.certificates.core.verify import document_matches

from .conftest import ISSUED, SAMPLE_FACTS, VERIFY_URL

MakeDoc = Callable[..., CertificateDocument]
BUREAU = {"issuer_code": "330106", "authority_zh": "杭州市公安局西湖分局", "authority_en": "Xihu Branch, Hangzhou PSB"}


@pytest.mark.parametrize("template", sorted(SAMPLE_FACTS))
def test_the_bureau_is_signed_printed_and_read_back_offline(
    tmp_path: Path, make_document: MakeDoc, template: str
) -> None:
    signer = KeyDirectory(tmp_path).ensure(now=ISSUED)
    document = make_document(template, **BUREAU)
    token = issue_token(document, signer)
    pdf = render_pdf(document, token=token, kid=signer.kid, verify_url=VERIFY_URL)
    assert b"/FontFile2" in pdf and b"STSong" not in pdf  # a TrueType subset embedded, no CID font
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "杭州市公安局西湖分局" in text and "电子证照 · Electronic Certificate" in text
    extracted = extract_from_pdf(pdf, allow_raster=False)
    assert extracted.document is not None and extracted.document.authority_zh == BUREAU["authority_zh"]
    claims = document.claims()
    assert claims.issuer == "330106"
    assert document_matches(claims, extracted.document)
    # Another bureau named in the document no longer matches what was signed.
    forged = dataclasses.replace(extracted.document, authority_zh="烟台市公安局")
    assert not document_matches(claims, forged)


def test_the_font_has_every_character_a_certificate_prints() -> None:
    fixed = "电子证照 · Electronic Certificate 编号 No.：扫码核验真伪 本电子证照由签发，以数字签名（Ed25519）保护"
    texts = [fixed, "杭州市公安局上城分局交通警察支队桐庐县公安局建德市公安局〇一二三年月日"]
    for spec in templates().values():
        texts += [spec.title_zh, spec.body_zh, spec.closing_zh, spec.authority_zh, spec.authority_unit_zh]
        texts += [f.label_zh for f in spec.facts]
    for facts in SAMPLE_FACTS.values():
        texts += list(facts.values())
    assert set().union(*(missing_glyphs(t) for t in texts)) == set()
    assert missing_glyphs("\U0001f600") == {"\U0001f600"}  # the check can fail
