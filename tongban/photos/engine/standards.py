"""Photo standards as typed data, loaded from ``data/standards.yaml`` (or the database's copy).

A standard says what a derived photo must be: pixel size, dpi, background colours, JPEG file
size window and head geometry, plus how long a photo may be reused. ``standard_from_dict``
validates one record and says exactly which field is wrong, so an administrator's typo is a
clear error rather than a bad photo.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
STANDARDS_FILE = DATA_DIR / "standards.yaml"

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class StandardError(ValueError):
    """A standard record is malformed; ``path`` names the field (``passport.kb``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


Range = tuple[float, float]


@dataclass(frozen=True, slots=True)
class SeniorRule:
    """Older people may reuse an older photo (Changzhou's 60+ rule)."""

    min_age: int
    validity_days: int
    from_standards: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Geometry:
    """Where the head must sit in the output, in output pixels."""

    mode: Literal["face_width", "head_height"]
    crown_margin_px: Range
    face_width_px: Range | None = None
    eye_line_min_from_bottom_px: float | None = None
    head_height_px: Range | None = None
    head_width_px: Range | None = None


@dataclass(frozen=True, slots=True)
class PhotoStandard:
    """One document photo standard (居民身份证, 护照 ...)."""

    code: str
    name_zh: str
    name_en: str
    width_px: int
    height_px: int
    dpi: int
    backgrounds: tuple[tuple[int, int, int], ...]
    background_tolerance: float
    jpeg_quality: tuple[int, int]
    kb: Range
    geometry: Geometry
    validity_days: int
    senior: SeniorRule | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def bytes_window(self) -> tuple[int, int]:
        """The file-size window in bytes (KB are 1,000 bytes)."""
        return round(self.kb[0] * 1000), round(self.kb[1] * 1000)

    def to_dict(self) -> dict[str, Any]:
        """The record in the data-file shape (for the database copy and the API)."""
        g = self.geometry
        geometry: dict[str, Any] = {"mode": g.mode, "crown_margin_px": list(g.crown_margin_px)}
        if g.face_width_px is not None:
            geometry["face_width_px"] = list(g.face_width_px)
        if g.eye_line_min_from_bottom_px is not None:
            geometry["eye_line_min_from_bottom_px"] = g.eye_line_min_from_bottom_px
        if g.head_height_px is not None:
            geometry["head_height_px"] = list(g.head_height_px)
        if g.head_width_px is not None:
            geometry["head_width_px"] = list(g.head_width_px)
        reuse: dict[str, Any] = {"validity_days": self.validity_days}
        if self.senior is not None:
            reuse["senior"] = {
                "min_age": self.senior.min_age,
                "validity_days": self.senior.validity_days,
                "from_standards": list(self.senior.from_standards),
            }
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "width_px": self.width_px,
            "height_px": self.height_px,
            "dpi": self.dpi,
            "backgrounds": ["#{:02X}{:02X}{:02X}".format(*c) for c in self.backgrounds],
            "background_tolerance": self.background_tolerance,
            "jpeg_quality": list(self.jpeg_quality),
            "kb": list(self.kb),
            "geometry": geometry,
            "reuse": reuse,
            "sources": dict(self.sources),
        }


def _get(rec: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in rec:
        raise StandardError(f"{path}.{key}", "is missing")
    return rec[key]


def _num(value: Any, path: str, *, lo: float = 0, hi: float = 1e9) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StandardError(path, f"must be a number, not {value!r}")
    if not lo <= value <= hi:
        raise StandardError(path, f"must be between {lo:g} and {hi:g}, not {value!r}")
    return float(value)


def _int(value: Any, path: str, *, lo: int = 0, hi: int = 10**9) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StandardError(path, f"must be a whole number, not {value!r}")
    if not lo <= value <= hi:
        raise StandardError(path, f"must be between {lo} and {hi}, not {value!r}")
    return value


def _range(value: Any, path: str, *, lo: float = 0, hi: float = 1e9) -> Range:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise StandardError(path, f"must be a [min, max] pair, not {value!r}")
    a, b = _num(value[0], path, lo=lo, hi=hi), _num(value[1], path, lo=lo, hi=hi)
    if a > b:
        raise StandardError(path, f"min {a:g} is above max {b:g}")
    return a, b


def _colour(value: Any, path: str) -> tuple[int, int, int]:
    if not isinstance(value, str) or not _HEX.match(value):
        raise StandardError(path, f"must be a colour like #FFFFFF, not {value!r}")
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise StandardError(path, "must be non-empty text")
    return value.strip()


def standard_from_dict(rec: Mapping[str, Any]) -> PhotoStandard:
    """Validate one record (data-file shape) and return the typed standard.

    Raises StandardError naming the first wrong field.
    """
    if not isinstance(rec, Mapping):
        raise StandardError("standard", f"must be a mapping, not {type(rec).__name__}")
    code = _get(rec, "code", "standard")
    if not isinstance(code, str) or not _CODE.match(code):
        raise StandardError("standard.code", f"must be lower_snake_case, not {code!r}")
    p = code
    width = _int(_get(rec, "width_px", p), f"{p}.width_px", lo=64, hi=4000)
    height = _int(_get(rec, "height_px", p), f"{p}.height_px", lo=64, hi=4000)
    dpi = _int(_get(rec, "dpi", p), f"{p}.dpi", lo=72, hi=1200)
    backgrounds_raw = _get(rec, "backgrounds", p)
    if not isinstance(backgrounds_raw, list) or not backgrounds_raw:
        raise StandardError(f"{p}.backgrounds", "must be a non-empty list of colours")
    backgrounds = tuple(_colour(c, f"{p}.backgrounds[{i}]") for i, c in enumerate(backgrounds_raw))
    tolerance = _num(_get(rec, "background_tolerance", p), f"{p}.background_tolerance", hi=100)
    q = _range(_get(rec, "jpeg_quality", p), f"{p}.jpeg_quality", lo=1, hi=100)
    kb = _range(_get(rec, "kb", p), f"{p}.kb", lo=1, hi=10_000)

    g = _get(rec, "geometry", p)
    if not isinstance(g, Mapping):
        raise StandardError(f"{p}.geometry", "must be a mapping")
    mode = _get(g, "mode", f"{p}.geometry")
    crown = _range(_get(g, "crown_margin_px", f"{p}.geometry"), f"{p}.geometry.crown_margin_px", hi=height / 2)
    if mode == "face_width":
        geometry = Geometry(
            mode="face_width",
            crown_margin_px=crown,
            face_width_px=_range(
                _get(g, "face_width_px", f"{p}.geometry"), f"{p}.geometry.face_width_px", lo=16, hi=width
            ),
            eye_line_min_from_bottom_px=_num(
                _get(g, "eye_line_min_from_bottom_px", f"{p}.geometry"),
                f"{p}.geometry.eye_line_min_from_bottom_px",
                hi=height,
            ),
        )
    elif mode == "head_height":
        geometry = Geometry(
            mode="head_height",
            crown_margin_px=crown,
            head_height_px=_range(
                _get(g, "head_height_px", f"{p}.geometry"), f"{p}.geometry.head_height_px", lo=16, hi=height
            ),
            head_width_px=_range(
                _get(g, "head_width_px", f"{p}.geometry"), f"{p}.geometry.head_width_px", lo=16, hi=width
            ),
        )
    else:
        raise StandardError(f"{p}.geometry.mode", f"must be face_width or head_height, not {mode!r}")

    reuse = _get(rec, "reuse", p)
    if not isinstance(reuse, Mapping):
        raise StandardError(f"{p}.reuse", "must be a mapping")
    validity = _int(_get(reuse, "validity_days", f"{p}.reuse"), f"{p}.reuse.validity_days", lo=1, hi=36_600)
    senior = None
    if reuse.get("senior") is not None:
        s = reuse["senior"]
        sp = f"{p}.reuse.senior"
        if not isinstance(s, Mapping):
            raise StandardError(sp, "must be a mapping")
        frm = _get(s, "from_standards", sp)
        if not isinstance(frm, list) or not all(isinstance(x, str) for x in frm):
            raise StandardError(f"{sp}.from_standards", "must be a list of standard codes")
        senior = SeniorRule(
            min_age=_int(_get(s, "min_age", sp), f"{sp}.min_age", lo=1, hi=150),
            validity_days=_int(_get(s, "validity_days", sp), f"{sp}.validity_days", lo=1, hi=36_600),
            from_standards=tuple(frm),
        )
    sources = rec.get("sources") or {}
    if not isinstance(sources, Mapping):
        raise StandardError(f"{p}.sources", "must be a mapping of field → source")
    return PhotoStandard(
        code=code,
        name_zh=_text(_get(rec, "name_zh", p), f"{p}.name_zh"),
        name_en=_text(_get(rec, "name_en", p), f"{p}.name_en"),
        width_px=width,
        height_px=height,
        dpi=dpi,
        backgrounds=backgrounds,
        background_tolerance=tolerance,
        jpeg_quality=(round(q[0]), round(q[1])),
        kb=kb,
        geometry=geometry,
        validity_days=validity,
        senior=senior,
        sources={str(k): str(v) for k, v in sources.items()},
    )


def standards_from_records(records: Iterable[Mapping[str, Any]]) -> dict[str, PhotoStandard]:
    """Validate many records; codes must be unique and senior rules must name known codes."""
    out: dict[str, PhotoStandard] = {}
    for i, rec in enumerate(records):
        std = standard_from_dict(rec)
        if std.code in out:
            raise StandardError(f"standards[{i}].code", f"duplicate code {std.code!r}")
        out[std.code] = std
    for std in out.values():
        if std.senior:
            for c in std.senior.from_standards:
                if c not in out:
                    raise StandardError(f"{std.code}.reuse.senior.from_standards", f"unknown standard {c!r}")
    return out


@functools.cache
def default_standards() -> Mapping[str, PhotoStandard]:
    """The standards of the shipped data file, parsed once per process (read-only)."""
    return MappingProxyType(load_standards())


def load_standards(path: Path | str = STANDARDS_FILE) -> dict[str, PhotoStandard]:
    """Read and validate a standards file (YAML or JSON, same shape).

    Raises StandardError for a malformed file or record, OSError if it cannot be read.
    """
    text = Path(path).read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StandardError(str(path), f"is not valid YAML/JSON: {exc}") from exc
    if not isinstance(doc, Mapping) or not isinstance(doc.get("standards"), list):
        raise StandardError(str(path), "must be a mapping with a 'standards' list")
    return standards_from_records(doc["standards"])
