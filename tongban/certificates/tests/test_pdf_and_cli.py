"""The rendered PDF (QR at 300 dpi, embedded token) and the offline CLI, which needs no Django."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp

from tongban.certificates.core import (
    CertificateDocument,
    KeyDirectory,
    RevocationEntry,
    RevocationList,
    issue_token,
)
from tongban.certificates.core.cli import main as cli_main
from tongban.certificates.core.extract import extract_from_pdf
from tongban.certificates.core.render import render_pdf

from .conftest import HOLDER_ID, ISSUED, SAMPLE_FACTS, VERIFY_URL

MakeDoc = Callable[..., CertificateDocument]
LATER = ISSUED + dt.timedelta(days=1)
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def issued(tmp_path: Path, make_document: MakeDoc) -> tuple[Path, Path, CertificateDocument, str]:
    """A key directory, a rendered PDF on disk, its document and token."""
    keys = KeyDirectory(tmp_path / "keys")
    signer = keys.ensure(now=ISSUED)
    document = make_document()
    token = issue_token(document, signer)
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(render_pdf(document, token=token, kid=signer.kid, verify_url=VERIFY_URL))
    return keys.path, pdf, document, token


@pytest.mark.parametrize("template", sorted(SAMPLE_FACTS))
def test_qr_decodes_from_the_page_rasterised_at_300_dpi(tmp_path: Path, make_document: MakeDoc, template: str) -> None:
    signer = KeyDirectory(tmp_path).ensure(now=ISSUED)
    document = make_document(template)
    token = issue_token(document, signer)
    pdf = pypdfium2.PdfDocument(render_pdf(document, token=token, kid=signer.kid, verify_url=VERIFY_URL))
    image = pdf[0].render(scale=300 / 72).to_pil()
    assert image.size == (2480, 3508) or image.size == (2481, 3508)
    # QR codes only: a 1D reader now and then "finds" a short code in the printed text (seen: "B-$A")
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    assert [r.text for r in results] == [f"{VERIFY_URL}?t={token}"]
    page_text = pdf[0].get_textpage().get_text_range()
    assert document.number in page_text
    assert HOLDER_ID in page_text  # the holder's own document shows the full number


def test_token_and_document_are_read_from_the_pdf_without_rasterising(
    issued: tuple[Path, Path, CertificateDocument, str],
) -> None:
    _, pdf, document, token = issued
    extracted = extract_from_pdf(pdf.read_bytes(), allow_raster=False)
    assert (extracted.token, extracted.document, extracted.source) == (token, document, "metadata")


def _run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return cli_main(argv, out=out), out.getvalue()


def test_cli_verifies_pdf_token_and_qr_image(
    issued: tuple[Path, Path, CertificateDocument, str], tmp_path: Path
) -> None:
    keys, pdf, document, token = issued
    now = ["--now", LATER.isoformat()]
    status, out = _run(["verify", str(pdf), "--public-keys", str(keys), *now])
    assert status == 0, out
    assert "真实有效" in out and "NCR-2026-00000123" in out
    assert "matches the signature" in out
    # With the PDF, the CLI prints the signed document in full so it can be compared with the page.
    assert f"持证人 Holder: 欧阳建国 {HOLDER_ID}" in out
    assert "证明用途 Purpose: 就业" in out
    status, out = _run(["verify", token, "--public-keys", str(keys / "keys.json"), *now, "--json"])
    report = json.loads(out)
    assert (status, report["status"], report["document"]) == (0, "genuine", "absent")
    assert HOLDER_ID not in out and "欧阳建国" not in out  # a bare token reveals only masked data
    image = tmp_path / "scan.png"
    pypdfium2.PdfDocument(pdf.read_bytes())[0].render(scale=300 / 72).to_pil().save(image)
    status, out = _run(["verify", str(image), "--public-keys", str(keys), *now, "--json"])
    assert (status, json.loads(out)["token_source"]) == (0, "qr")
    status, out = _run(
        [
            "verify",
            str(pdf),
            "--public-keys",
            str(keys),
            "--now",
            (document.valid_until + dt.timedelta(seconds=1)).isoformat(),
            "--json",
        ]
    )
    assert (status, json.loads(out)["status"]) == (1, "expired")


def test_cli_reports_a_pdf_whose_embedded_facts_were_edited(
    issued: tuple[Path, Path, CertificateDocument, str],
) -> None:
    keys, pdf, _, _ = issued
    data = pdf.read_bytes()
    assert data.count(b"2016-03-10") == 1  # the page text is compressed; only the metadata has it
    pdf.write_bytes(data.replace(b"2016-03-10", b"2019-03-10"))
    status, out = _run(["verify", str(pdf), "--public-keys", str(keys), "--now", LATER.isoformat(), "--json"])
    report = json.loads(out)
    assert (status, report["status"], report["document"]) == (1, "tampered", "mismatch")


def test_cli_honours_the_revocation_list_in_the_key_directory(
    issued: tuple[Path, Path, CertificateDocument, str],
) -> None:
    keys, pdf, document, _ = issued
    signer = KeyDirectory(keys).signer()
    revocations = RevocationList.build(
        [RevocationEntry(document.number, LATER, "commitment_false")], issuer="tongban", now=LATER
    )
    (keys / "revocations.cose").write_bytes(revocations.sign(signer))
    status, out = _run(["verify", str(pdf), "--public-keys", str(keys), "--now", LATER.isoformat()])
    assert status == 1
    assert "已被撤销" in out and "告知承诺内容不实" in out
    (keys / "revocations.cose").write_bytes(b"garbage")
    status, _ = _run(["verify", str(pdf), "--public-keys", str(keys), "--now", LATER.isoformat()])
    assert status == 2


def test_cli_runs_without_django_or_a_database(
    issued: tuple[Path, Path, CertificateDocument, str],
) -> None:
    keys, pdf, _, _ = issued
    code = (
        "import sys; from tongban.certificates.core.cli import main; "
        f"rc = main(['verify', {str(pdf)!r}, '--public-keys', {str(keys)!r}, '--now', {LATER.isoformat()!r}]); "
        "assert 'django' not in sys.modules, 'django was imported'; sys.exit(rc)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "真实有效" in done.stdout


def test_longest_facts_shrink_the_text_and_leave_the_qr_readable(tmp_path: Path, make_document: MakeDoc) -> None:
    from tongban.certificates.core.templates import MAX_FACT_LENGTH, InvalidFacts

    signer = KeyDirectory(tmp_path).ensure(now=ISSUED)
    long_value = ("江苏省常州市武进区湖塘镇花园街十八号" * 10)[:MAX_FACT_LENGTH]
    facts = {"category": long_value, "from_address": long_value, "to_address": long_value}
    document = make_document("SETTLE", facts=facts)
    token = issue_token(document, signer)
    pdf = pypdfium2.PdfDocument(render_pdf(document, token=token, kid=signer.kid, verify_url=VERIFY_URL))
    image = pdf[0].render(scale=300 / 72).to_pil()
    assert [
        r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    ] == [f"{VERIFY_URL}?t={token}"]
    with pytest.raises(InvalidFacts, match="longer"):
        make_document("SETTLE", facts={**facts, "category": long_value + "号"})


def test_a_scanned_pdf_without_metadata_falls_back_to_the_qr_code(
    issued: tuple[Path, Path, CertificateDocument, str], tmp_path: Path
) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    keys, pdf, _, token = issued
    page = pypdfium2.PdfDocument(pdf.read_bytes())[0].render(scale=300 / 72).to_pil()
    scan = io.BytesIO()
    canvas = Canvas(scan, pagesize=A4)  # a "scan": the page as a picture, no tongban metadata
    canvas.drawImage(ImageReader(page), 0, 0, width=A4[0], height=A4[1])
    canvas.save()
    scanned = tmp_path / "scan.pdf"
    scanned.write_bytes(scan.getvalue())
    extracted = extract_from_pdf(scanned.read_bytes())
    assert (extracted.token, extracted.document, extracted.source) == (token, None, "qr")
    status, out = _run(["verify", str(scanned), "--public-keys", str(keys), "--now", LATER.isoformat(), "--json"])
    assert (status, json.loads(out)["token_source"]) == (0, "qr")
