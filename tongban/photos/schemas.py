"""Photo library data shapes: the offer other modules receive, and the API's schemas."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ninja import Schema


@dataclass(frozen=True, slots=True)
class PhotoOffer:
    """A derivative a case may use instead of a new photo (一照通用)."""

    derivative_id: int
    standard: str
    taken_at: dt.datetime
    url: str
    senior_rule: bool = False  # offered only because of the 60+ rule
    capture_id: int = 0


class StandardOut(Schema):
    code: str
    name_zh: str
    name_en: str
    width_px: int
    height_px: int
    dpi: int
    backgrounds: list[str]
    kb: list[float]
    geometry: dict[str, Any]
    reuse: dict[str, Any]
    sources: dict[str, str]


class DerivativeOut(Schema):
    id: int
    standard: str
    name_zh: str
    bytes: int
    width: int
    height: int
    dpi: int
    url: str
    verified: bool


class CaptureOut(Schema):
    id: int
    status: str
    review: str
    captured_at: dt.datetime
    report: dict[str, Any]
    derivatives: list[DerivativeOut]
    covers: list[str]


class OfferOut(Schema):
    derivative_id: int
    standard: str
    taken_at: dt.datetime
    url: str
    senior_rule: bool


class UseIn(Schema):
    case_number: str
