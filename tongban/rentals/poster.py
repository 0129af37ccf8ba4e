"""The QR poster of an approved property (A4 PDF): the QR code of the tenant declaration link with
its signed token, the property number and address, and how to use it."""

from __future__ import annotations

import io
from functools import cache

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"
BLUE = colors.Color(0.05, 0.28, 0.63)


@cache
def _font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def qr_png(text: str, *, scale: int = 10) -> bytes:
    """A PNG of the QR code of ``text`` (ECC level M, so a scuffed print still scans)."""
    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def poster_pdf(*, url: str, number: str, address: str, station: str, lines: list[str], title: str) -> bytes:
    """The poster: ``title`` over the QR code of ``url``, then the number, masked address,
    station and the instruction ``lines`` (already in the reader's language)."""
    _font()
    buf = io.BytesIO()
    width, height = A4
    canvas = Canvas(buf, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{title} {number}")
    canvas.setFillColor(BLUE)
    canvas.rect(0, height - 42 * mm, width, 42 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont(FONT, 30)
    canvas.drawCentredString(width / 2, height - 26 * mm, title)
    size = 120 * mm
    canvas.drawImage(ImageReader(io.BytesIO(qr_png(url))), (width - size) / 2, height - 52 * mm - size, size, size)
    canvas.setFillColor(colors.black)
    y = height - 62 * mm - size
    canvas.setFont(FONT, 16)
    for text in (number, address, station):
        if text:
            canvas.drawCentredString(width / 2, y, text)
            y -= 9 * mm
    canvas.setFont(FONT, 12)
    y -= 4 * mm
    for line in lines:
        canvas.drawCentredString(width / 2, y, line)
        y -= 7 * mm
    canvas.showPage()
    canvas.save()
    return buf.getvalue()
