"""Independent verification of a derived photo against its standard.

Nothing from the derivation is trusted: the file is parsed and decoded again, the face is
detected and its landmarks located again on the output pixels, and every number of the standard
is checked on what was measured (size, dpi, KB window, metadata, one face, level eyes, face
width or head height and width, crown margin, eye line, background colour).
"""

from __future__ import annotations

import struct
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import simplejpeg

from tongban.photos.engine.analyse import (
    find_faces,
    lab_of,
    measure_upright,
    refine_landmarks,
)
from tongban.photos.engine.derive import nearest_colour
from tongban.photos.engine.detect import Face
from tongban.photos.engine.standards import PhotoStandard

MAX_ROLL = 3.0  # degrees left after levelling
VERIFY_FACE_PX = 105  # face width at which verification looks for the face
FACE_TO_HEAD = 0.58  # face width / head height, to size detection for head-height standards


@dataclass(slots=True)
class Check:
    """One verified property: what was measured and the allowed range."""

    key: str
    value: float | str | None
    expected: str
    passed: bool


@dataclass(slots=True)
class Verification:
    """All checks of one derived file."""

    standard: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every check passed."""
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        """The failed checks."""
        return [c for c in self.checks if not c.passed]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return {"standard": self.standard, "passed": self.passed, "checks": [asdict(c) for c in self.checks]}


def jpeg_facts(data: bytes) -> tuple[int | None, int | None, bool]:
    """(dpi x, dpi y, has APP1/EXIF or XMP) from the JPEG's marker segments."""
    dpi_x = dpi_y = None
    has_app1 = False
    i, n = 2, len(data)
    while i + 4 <= n and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA:
            break
        seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
        seg = data[i + 4 : i + 2 + seg_len]
        if marker == 0xE0 and seg[:5] == b"JFIF\x00" and len(seg) >= 12:
            units = seg[7]
            xd, yd = struct.unpack(">HH", seg[8:12])
            if units == 1:
                dpi_x, dpi_y = xd, yd
            elif units == 2:
                dpi_x, dpi_y = round(xd * 2.54), round(yd * 2.54)
        if marker == 0xE1:
            has_app1 = True
        i += 2 + seg_len
    return dpi_x, dpi_y, has_app1


def _in(value: float, rng: tuple[float, float]) -> bool:
    return rng[0] <= value <= rng[1]


def verify(data: bytes, std: PhotoStandard) -> Verification:
    """Check one encoded derivative against ``std``; never raises for bad content."""
    v = Verification(standard=std.code)
    add = v.checks.append
    lo_b, hi_b = std.bytes_window
    add(Check("bytes", len(data), f"{lo_b}–{hi_b}", lo_b <= len(data) <= hi_b))
    dpi_x, dpi_y, has_app1 = jpeg_facts(data)
    add(Check("dpi", f"{dpi_x}x{dpi_y}", f"{std.dpi}", dpi_x == std.dpi and dpi_y == std.dpi))
    add(Check("metadata", "exif" if has_app1 else "none", "none", not has_app1))
    try:
        rgb = simplejpeg.decode_jpeg(data, colorspace="RGB", strict=True)
    except ValueError as exc:
        add(Check("decode", str(exc), "a valid JPEG", False))
        return v
    h, w = rgb.shape[:2]
    add(Check("size", f"{w}x{h}", f"{std.width_px}x{std.height_px}", (w, h) == (std.width_px, std.height_px)))
    # detect at the size where the standard's nominal face is ~100 px: enough for HOG's 80 px
    # window, and a third of the pixels of the file
    g = std.geometry
    nominal = sum(g.face_width_px) / 2 if g.face_width_px else sum(g.head_height_px or (h, h)) / 2 * FACE_TO_HEAD
    long_side = int(min(max(w, h), max(w, h) * VERIFY_FACE_PX / nominal))
    # a document photo's face belongs in the middle: search the central band only (a face
    # outside it fails here, as it should); the crop's offset is added back below
    x0, x1 = int(w * 0.12), int(w * 0.88)
    y1 = int(h * 0.85)
    scale = long_side / max(w, h)
    centre = np.ascontiguousarray(rgb[:y1, x0:x1])
    faces, _ = find_faces(centre, long_side=int(max(centre.shape[:2]) * scale))
    faces = [Face(box=(f.box[0] + x0, f.box[1], f.box[2] + x0, f.box[3]), score=f.score) for f in faces]
    add(Check("faces", len(faces), "1", len(faces) == 1))
    if len(faces) != 1:
        return v
    lm = refine_landmarks(rgb, faces[0])
    geo = measure_upright(rgb, lm, faces[0].box)
    add(Check("roll", round(geo.roll, 2), f"±{MAX_ROLL:g}°", abs(geo.roll) <= MAX_ROLL))
    eye_y = geo.eye_mid[1]
    crown_margin = eye_y - geo.crown
    if geo.crown_method != "background":
        add(Check("crown_margin", None, "crown found against the background", False))
    else:
        add(Check("crown_margin", round(crown_margin, 1), f"{g.crown_margin_px}", _in(crown_margin, g.crown_margin_px)))
    if g.mode == "face_width":
        assert g.face_width_px is not None and g.eye_line_min_from_bottom_px is not None
        add(Check("face_width", round(geo.face_width, 1), f"{g.face_width_px}", _in(geo.face_width, g.face_width_px)))
        eb = h - eye_y
        add(
            Check(
                "eye_from_bottom",
                round(eb, 1),
                f">= {g.eye_line_min_from_bottom_px:g}",
                eb >= g.eye_line_min_from_bottom_px,
            )
        )
    else:
        assert g.head_height_px is not None and g.head_width_px is not None
        add(
            Check(
                "head_height", round(geo.head_height, 1), f"{g.head_height_px}", _in(geo.head_height, g.head_height_px)
            )
        )
        add(Check("head_width", round(geo.head_width, 1), f"{g.head_width_px}", _in(geo.head_width, g.head_width_px)))
    cx = geo.eye_mid[0]
    add(Check("centred", round(cx - w / 2, 1), f"±{0.05 * w:.0f}", abs(cx - w / 2) <= 0.05 * w))
    # background: the top corners and the band above the head, measured on the file
    lab = lab_of(np.ascontiguousarray(rgb[: max(int(0.12 * h), 4)]))  # only the top band
    band = max(int(0.12 * h), 4)
    k = int(0.18 * w)
    side = min(int(crown_margin) - 1, band)
    parts = [lab[:band, :k].reshape(-1, 3), lab[:band, w - k :].reshape(-1, 3)]
    if side >= 3:
        parts.append(lab[:side, :].reshape(-1, 3))
    pix = np.concatenate(parts)
    med = np.median(pix, axis=0)
    _, dist = nearest_colour((float(med[0]), float(med[1]), float(med[2])), std.backgrounds)
    add(
        Check(
            "background_colour", round(dist, 1), f"<= {std.background_tolerance:g} ΔE", dist <= std.background_tolerance
        )
    )
    spread = float(np.percentile(np.linalg.norm(pix - med, axis=1), 90))
    add(Check("background_plain", round(spread, 1), "<= 12 ΔE (P90)", spread <= 12))
    return v
