"""Getting the token (and the full document) out of a PDF, an image or pasted text.

A PDF rendered by tongban carries the token and the document in its information dictionary, read
without rasterising. Any other PDF (a re-saved copy, a print scanned to PDF) and any image fall
back to decoding the QR code from page 1 at 300 dpi.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tongban.certificates.core.documents import CertificateDocument
from tongban.certificates.core.render import DOCUMENT_KEY, TOKEN_KEY
from tongban.certificates.core.token import find_token

RASTER_DPI = 300


class NoToken(ValueError):
    """The input holds no certificate token."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """A token and, when the PDF carries it, the full document it signs."""

    token: str
    document: CertificateDocument | None
    source: str  # "metadata", "qr" or "text"
    document_error: str = ""


def decode_qr(image: Any) -> str:
    """The token inside a QR code in a PIL image; raises NoToken."""
    import zxingcpp  # imported here: only the image path needs it

    for result in zxingcpp.read_barcodes(image):
        token = find_token(result.text)
        if token:
            return token
    raise NoToken("no certificate QR code found in the image")


def rasterise_first_page(data: bytes, dpi: int = RASTER_DPI) -> Any:
    """Page 1 of a PDF as a PIL image at ``dpi``."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return pdf[0].render(scale=dpi / 72).to_pil()
    finally:
        pdf.close()


def extract_from_pdf(data: bytes, *, allow_raster: bool = True) -> Extracted:
    """Read a PDF's embedded token and document, or decode its QR code; raises NoToken."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise NoToken(f"not a readable PDF: {exc}") from exc
    try:
        token = find_token(pdf.get_metadata_value(TOKEN_KEY))
        raw_document = pdf.get_metadata_value(DOCUMENT_KEY)
    finally:
        pdf.close()
    if token:
        document = None
        if raw_document:
            try:
                document = CertificateDocument.from_json(json.loads(raw_document))
            except ValueError as exc:
                # The token is still checked; the verifier reports the broken document.
                return Extracted(token, None, "metadata", f"malformed embedded document: {exc}")
        return Extracted(token, document, "metadata")
    if not allow_raster:
        raise NoToken("the PDF has no embedded certificate token")
    return Extracted(decode_qr(rasterise_first_page(data)), None, "qr")


def extract(source: str) -> Extracted:
    """A token from a file path (PDF or image) or from the text itself; raises NoToken."""
    token = find_token(source) if len(source) < 4096 else None
    if token and not Path(source).exists():
        return Extracted(token, None, "text")
    path = Path(source)
    if not path.is_file():
        raise NoToken(f"{source!r} is neither a file nor a certificate token")
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        return extract_from_pdf(data)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            return Extracted(decode_qr(image), None, "qr")
    except UnidentifiedImageError as exc:
        text_token = find_token(data[:4096].decode("utf-8", "replace"))
        if text_token:
            return Extracted(text_token, None, "text")
        raise NoToken(f"{source} is not a PDF, an image or a token") from exc
