"""PDF rendering of a certificate with reportlab, laid out like a Chinese paper certificate.

Title, number, body text, a table of the certified facts, the issuing authority and date over a
seal area, and a QR code (segno) holding the verification URL with the signed token. The token and
the full document (with its salt) are also written into the PDF's document information
dictionary (``/TongbanToken``, ``/TongbanCertificate``), so an offline verifier reads them without
rasterising the page. The font is reportlab's built-in CID font STSong-Light: nothing downloads.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from functools import cache
from typing import Any

import segno
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

from tongban.certificates.core.documents import CertificateDocument
from tongban.certificates.core.templates import CertificateTemplate, get_template
from tongban.common.clock import SHANGHAI
from tongban.common.masking import mask_id_number

FONT = "STSong-Light"
TOKEN_KEY = "TongbanToken"  # noqa: S105 -- a PDF metadata key name, not a secret
DOCUMENT_KEY = "TongbanCertificate"
SEAL_RED = colors.Color(0.80, 0.08, 0.10)
INK = colors.Color(0.10, 0.10, 0.12)
QR_SIZE = 34 * mm


@cache
def _register_font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    # Compressed streams stay binary: ASCII85 only makes the file larger and slower to write.
    rl_config.useA85 = 0


class _Info(pdfdoc.PDFInfo):
    """The document information dictionary plus tongban's two entries.

    reportlab has no public API for custom info keys; this subclass adds them where reportlab
    writes the standard ones (``Canvas._doc.info`` is replaced before anything is set on it).
    """

    def __init__(self, extra: dict[str, str]) -> None:
        super().__init__()
        self.extra = extra

    def format(self, document: Any) -> bytes:
        entries = {
            "Title": pdfdoc.PDFString(self.title),
            "Author": pdfdoc.PDFString(self.author),
            "CreationDate": pdfdoc.PDFDate(ts=document._timeStamp, dateFormatter=self._dateFormatter),
            "Producer": pdfdoc.PDFString(self.producer),
            "Creator": pdfdoc.PDFString(self.creator),
            "Subject": pdfdoc.PDFString(self.subject),
            "Keywords": pdfdoc.PDFString(self.keywords),
            "Trapped": pdfdoc.PDFName(self.trapped),
        }
        entries["ModDate"] = entries["CreationDate"]
        for key, value in self.extra.items():
            entries[key] = pdfdoc.PDFString(value)
        formatted: bytes = pdfdoc.PDFDictionary(entries).format(document)
        return formatted


def local_date_zh(value: dt.datetime) -> str:
    day = value.astimezone(SHANGHAI).date()
    return f"{day.year}年{day.month}月{day.day}日"


def qr_text(verify_url: str, token: str) -> str:
    """What the QR code holds: the public verification URL with the token as its ``t`` query."""
    separator = "&" if "?" in verify_url else "?"
    return f"{verify_url}{separator}t={token}"


# segno picks the best of the eight data masks by scoring each in pure Python, which costs
# ~20 ms per symbol, more than the rest of the PDF. Every mask yields a valid symbol that any
# decoder reads; the payload is base64url of signed bytes, so a pathological pattern is unlikely
# and the 300 dpi decode test guards it. See docs/adr/0005-certificate-signing.md.
QR_MASK = 4


def qr_matrix(text: str) -> tuple[bytearray, ...]:
    """The QR symbol's modules (ECC level M, so a scuffed print still scans)."""
    return segno.make(text, error="m", micro=False, boost_error=False, mask=QR_MASK).matrix


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw a QR code (with its 4-module quiet zone) lower-left at x, y.

    Modules are written as integer rectangles in a coordinate system scaled to one module, one
    ``re`` per horizontal run: a few hundred short operators instead of thousands of floats.
    """
    matrix = qr_matrix(text)
    count = len(matrix) + 8
    canvas.saveState()
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.translate(x, y)
    canvas.scale(size / count, size / count)
    canvas.setFillColor(colors.black)
    ops: list[str] = []
    top = count - 4
    for row_index, row in enumerate(matrix):
        line = bytes(b & 1 for b in row)
        col, width = 0, len(line)
        while col < width:
            start = line.find(1, col)
            if start < 0:
                break
            end = line.find(0, start)
            end = width if end < 0 else end
            ops.append(f"{start + 4} {top - row_index - 1} {end - start} 1 re")
            col = end
    ops.append("f")
    canvas.addLiteral("\n".join(ops))
    canvas.restoreState()


def _star(canvas: Canvas, cx: float, cy: float, radius: float) -> None:
    path = canvas.beginPath()
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = math.pi / 2 + i * math.pi / 5
        px, py = cx + r * math.cos(angle), cy + r * math.sin(angle)
        if i == 0:
            path.moveTo(px, py)
        else:
            path.lineTo(px, py)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def draw_seal(canvas: Canvas, cx: float, cy: float, radius: float, authority: str) -> None:
    """The seal area: a red ring with the authority's name on the arc and a star, marked as the
    place of the electronic signature (the seal itself is the signature, not this drawing)."""
    canvas.saveState()
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    # Slightly translucent, like stamp ink over the authority's name and the date.
    canvas.setFillAlpha(0.85)
    canvas.setStrokeAlpha(0.85)
    canvas.setLineWidth(2.2)
    canvas.circle(cx, cy, radius, stroke=1, fill=0)
    _star(canvas, cx, cy, radius * 0.28)
    chars = list(authority)
    span = min(250.0, 22.0 * len(chars))
    font_size = min(12.0, radius * 0.30)
    canvas.setFont(FONT, font_size)
    text_radius = radius - font_size * 1.15 - 2
    for i, char in enumerate(chars):
        step = span / max(len(chars) - 1, 1)
        angle = 90 + span / 2 - i * step
        rad = math.radians(angle)
        canvas.saveState()
        canvas.translate(cx + text_radius * math.cos(rad), cy + text_radius * math.sin(rad))
        canvas.rotate(angle - 90)
        canvas.drawCentredString(0, 0, char)
        canvas.restoreState()
    canvas.setFont(FONT, font_size * 0.8)
    canvas.drawCentredString(cx, cy - radius * 0.55, "电子证明专用章")
    canvas.restoreState()


def _content_blocks(
    document: CertificateDocument, template: CertificateTemplate, frame_width: float, scale: float
) -> list[tuple[Any, float]]:
    """Body, closing, the table of facts and the English translation, at ``scale`` of full size."""
    body_style = ParagraphStyle(
        "body",
        fontName=FONT,
        fontSize=14 * scale,
        leading=26 * scale,
        firstLineIndent=28 * scale,
        wordWrap="CJK",
        alignment=TA_JUSTIFY,
        textColor=INK,
    )
    english_style = ParagraphStyle(
        "english", fontName=FONT, fontSize=8.5 * scale, leading=12 * scale, textColor=colors.grey, wordWrap="CJK"
    )
    cell_style = ParagraphStyle("cell", fontName=FONT, fontSize=10.5 * scale, leading=14 * scale, wordWrap="CJK")
    holder_id = document.holder_id
    body = template.body(holder_name=document.holder_name, holder_id=holder_id, facts=document.facts)
    blocks: list[tuple[Any, float]] = [(Paragraph(_escape(body), body_style), 4 * scale)]
    if template.closing_zh:
        blocks.append((Paragraph(_escape(template.closing_zh), body_style), 10 * scale))
    rows = [
        [Paragraph("持证人 Holder", cell_style), Paragraph(_escape(document.holder_name), cell_style)],
        [Paragraph("公民身份号码 ID number", cell_style), Paragraph(holder_id, cell_style)],
    ]
    for spec in template.facts:
        rows.append(
            [
                Paragraph(_escape(f"{spec.label_zh} {spec.label_en}"), cell_style),
                Paragraph(_escape(document.facts[spec.key]), cell_style),
            ]
        )
    until = document.valid_until.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    rows.append([Paragraph("有效期至 Valid until", cell_style), Paragraph(until, cell_style)])
    table = Table(rows, colWidths=[frame_width * 0.38, frame_width * 0.62])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.Color(0.6, 0.6, 0.6)),
                ("BACKGROUND", (0, 0), (0, -1), colors.Color(0.96, 0.95, 0.93)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    blocks.append((table, 8 * scale))
    english = template.body(
        holder_name=document.holder_name, holder_id=mask_id_number(holder_id), facts=document.facts, lang="en"
    )
    blocks.append((Paragraph(_escape(f"Translation: {english}"), english_style), 6 * scale))
    return blocks


def render_pdf(
    document: CertificateDocument,
    *,
    token: str,
    kid: str,
    verify_url: str,
) -> bytes:
    """The certificate as a one-page A4 PDF."""
    _register_font()
    template = get_template(document.template)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas._doc.info = _Info(
        {
            TOKEN_KEY: token,
            DOCUMENT_KEY: json.dumps(document.to_json(), separators=(",", ":"), sort_keys=True),
        }
    )
    canvas.setTitle(f"{template.title_zh} {document.number}")
    canvas.setAuthor(template.authority_zh)
    canvas.setSubject(template.title_en)
    canvas.setKeywords(f"tongban-certificate {document.template} {document.number}")
    canvas.setCreator("tongban")
    width, height = A4

    # Frame: a heavy outer line and a fine inner one, as on printed certificates.
    canvas.setStrokeColor(SEAL_RED)
    canvas.setLineWidth(2)
    canvas.rect(14 * mm, 14 * mm, width - 28 * mm, height - 28 * mm)
    canvas.setLineWidth(0.6)
    canvas.rect(16.5 * mm, 16.5 * mm, width - 33 * mm, height - 33 * mm)

    canvas.setFillColor(INK)
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(width / 2, height - 26 * mm, "电子证照 · Electronic Certificate")
    canvas.setFont(FONT, 26)
    canvas.drawCentredString(width / 2, height - 42 * mm, template.title_zh)
    canvas.setFont("Helvetica", 11)
    canvas.drawCentredString(width / 2, height - 49 * mm, template.title_en)
    canvas.setFont(FONT, 11)
    canvas.drawRightString(width - 26 * mm, height - 60 * mm, f"编号 No.：{document.number}")

    frame_width = width - 52 * mm
    left = 26 * mm
    top = height - 68 * mm
    # The text must end above the QR code and the seal; long facts shrink the type, never overlap.
    floor = 96 * mm
    for scale in (1.0, 0.88, 0.76, 0.66):
        blocks = _content_blocks(document, template, frame_width, scale)
        needed = sum(block.wrap(frame_width, top)[1] + gap for block, gap in blocks)
        if top - needed >= floor:
            break
    cursor = top
    for block, gap in blocks:
        _, used = block.wrap(frame_width, cursor)
        block.drawOn(canvas, left, cursor - used)
        cursor -= used + gap

    # Authority, date and seal, lower right; QR code lower left.
    base = 58 * mm
    seal_x = width - 62 * mm
    canvas.setFillColor(INK)
    canvas.setFont(FONT, 13)
    canvas.drawCentredString(seal_x, base + 10 * mm, template.authority_zh)
    canvas.drawCentredString(seal_x, base + 2 * mm, local_date_zh(document.issued_at))
    draw_seal(canvas, seal_x, base + 8 * mm, 21 * mm, template.authority_zh)

    qr_x, qr_y = 26 * mm, 40 * mm
    draw_qr(canvas, qr_text(verify_url, token), qr_x, qr_y, QR_SIZE)
    canvas.setFillColor(INK)
    canvas.setFont(FONT, 9)
    canvas.drawString(qr_x + QR_SIZE + 4 * mm, qr_y + QR_SIZE - 4 * mm, "扫码核验真伪")
    canvas.setFont("Helvetica", 8)
    canvas.drawString(qr_x + QR_SIZE + 4 * mm, qr_y + QR_SIZE - 8 * mm, "Scan to verify")

    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(colors.Color(0.3, 0.3, 0.3))
    notes = [
        f"本电子证照由{template.authority_zh}签发，以数字签名（Ed25519，密钥标识 {kid}）保护，与纸质证明具有同等效力。",
        f"核验：扫描二维码，或访问 {verify_url}，或使用离线工具 tongban cert verify 本文件 --public-keys 公钥目录。",
        "This certificate is signed (Ed25519). Verify it by scanning the QR code, online, "
        "or offline with the public keys.",
    ]
    for i, line in enumerate(notes):
        canvas.drawString(26 * mm, 30 * mm - i * 4 * mm, line)

    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
