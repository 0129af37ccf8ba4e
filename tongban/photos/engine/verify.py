"""Independent verification of a derived photo against its standard.

Nothing from the derivation is trusted: the file is parsed and decoded again, the face is
detected and its landmarks located again on the output pixels, and every number of the standard
is checked on what was measured (size, dpi, KB window, metadata, one face, level eyes, face
width or head height and width, crown margin, eye line, background colour).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import simplejpeg

from tongban.photos.engine.analyse import (
    LabRows,
    flat_dict,
    measure_upright,
    median_u8,
    percentile,
    shrink,
    to_gray,
)
from tongban.photos.engine.derive import nearest_colour
from tongban.photos.engine.detect import DlibLandmarker, Face, Landmarks, get_detector
from tongban.photos.engine.standards import PhotoStandard

MAX_ROLL = 3.0  # degrees left after levelling
# Detection on the output runs on a grey copy where the standard's nominal face box is
# VERIFY_BOX_PX wide: just above HOG's 80 px window, so the pyramid has two levels (faces of
# ~70–115 px in that copy are found) and costs ~1 ms. The box is ~1.09 face widths.
VERIFY_BOX_PX = 92
BOX_PER_FACE_WIDTH = 1.09
LAB_XSTEP = 2
# mean absolute grey difference under which two detector inputs are the same picture: on the
# test portraits two JPEG qualities of one rendering differ by 0.3–0.8 levels there, the same
# file shifted by one output pixel by 1.9–3.5 (a larger difference just runs the detector)
SAME_PICTURE_GREY = 1.0
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
        return {"standard": self.standard, "passed": self.passed, "checks": [flat_dict(c) for c in self.checks]}


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


Searched = list[tuple[np.ndarray, list[Face]]]


def find_face_in_output(gray: np.ndarray, std: PhotoStandard, searched: Searched | None = None) -> list[Face]:
    """Faces in the central band of a derived photo, in its pixel coordinates.

    Where to look and at which scale come from the standard alone (its nominal face size and
    the rule that the face is centred), never from how the photo was derived. A face outside
    the band is not found, and so fails the check, as it should.

    ``searched`` holds earlier searches of this verifier (the detector's input and its
    answer). When this file's detector input is the same picture as one of them — same size,
    on average within ``SAME_PICTURE_GREY`` grey levels, as another JPEG quality of one
    rendering is — that answer is reused; everything else is still measured on this file.
    """
    h, w = gray.shape[:2]
    g = std.geometry
    nominal = sum(g.face_width_px) / 2 if g.face_width_px else sum(g.head_height_px or (h, h)) / 2 * FACE_TO_HEAD
    k = min(1.0, VERIFY_BOX_PX / (BOX_PER_FACE_WIDTH * nominal))
    x0, x1 = int(w * 0.12), int(w * 0.88)
    y1 = int(h * 0.85)
    band = gray[:y1, x0:x1]
    if k < 1.0:
        band = shrink(band, (round((x1 - x0) * k), round(y1 * k)))
    kx, ky = band.shape[1] / (x1 - x0), band.shape[0] / y1
    band = np.ascontiguousarray(band)
    found: list[Face] | None = None
    for prev, answer in searched or ():
        if prev.shape == band.shape and cv2.mean(cv2.absdiff(prev, band))[0] <= SAME_PICTURE_GREY:
            found = answer
            break
    if found is None:
        found = get_detector().detect(band)
        if searched is not None:
            searched.append((band, found))
    return [
        Face(box=(f.box[0] / kx + x0, f.box[1] / ky, f.box[2] / kx + x0, f.box[3] / ky), score=f.score) for f in found
    ]


@dataclass(slots=True)
class _File:
    """One file under verification and what has been measured on it so far."""

    data: bytes
    std: PhotoStandard
    v: Verification
    rgb: np.ndarray | None = None
    gray: np.ndarray | None = None
    face: Face | None = None
    lm: Landmarks | None = None


def verify(data: bytes, std: PhotoStandard, *, searched: Searched | None = None) -> Verification:
    """Check one encoded derivative against ``std``; never raises for bad content.

    ``searched``: share one list between the verifications of one photo's derivatives (see
    ``find_face_in_output``).
    """
    return verify_many([(data, std)], searched=searched)[0]


def verify_many(items: list[tuple[bytes, PhotoStandard]], *, searched: Searched | None = None) -> list[Verification]:
    """``verify`` for several files (one photo's derivatives), each checked on its own bytes.

    The work runs in phases over the files (parse and decode all, then search faces, then
    locate landmarks, then measure) rather than file by file: each file gets exactly the
    checks it would get alone, but the landmark model's ~9 MB of trees stay in the cache
    from one file to the next instead of being evicted by the decoding and the face search.
    """
    if searched is None:
        searched = []
    files = [_File(data, std, Verification(standard=std.code)) for data, std in items]
    for f in files:
        _parse(f)
    for f in files:
        if f.gray is not None:
            faces = find_face_in_output(f.gray, f.std, searched)
            f.v.checks.append(Check("faces", len(faces), "1", len(faces) == 1))
            if len(faces) == 1:
                f.face = faces[0]
    landmarker = DlibLandmarker()
    for f in files:
        if f.face is not None and f.gray is not None:
            # landmarks located again on the file's own pixels, at full resolution, in the new box
            f.lm = landmarker.locate(f.gray, f.face.box)
    for f in files:
        if f.lm is not None and f.face is not None and f.rgb is not None:
            _measure(f.v.checks.append, f.rgb, f.std, f.lm, f.face.box)
    return [f.v for f in files]


def _parse(f: _File) -> None:
    """The checks on the bytes (size in bytes, dpi, metadata), then decode and the pixel size."""
    data, std = f.data, f.std
    add = f.v.checks.append
    lo_b, hi_b = std.bytes_window
    add(Check("bytes", len(data), f"{lo_b}–{hi_b}", lo_b <= len(data) <= hi_b))
    dpi_x, dpi_y, has_app1 = jpeg_facts(data)
    add(Check("dpi", f"{dpi_x}x{dpi_y}", f"{std.dpi}", dpi_x == std.dpi and dpi_y == std.dpi))
    add(Check("metadata", "exif" if has_app1 else "none", "none", not has_app1))
    try:
        rgb = simplejpeg.decode_jpeg(data, colorspace="RGB", strict=True)
    except ValueError as exc:
        add(Check("decode", str(exc), "a valid JPEG", False))
        return
    h, w = rgb.shape[:2]
    add(Check("size", f"{w}x{h}", f"{std.width_px}x{std.height_px}", (w, h) == (std.width_px, std.height_px)))
    f.rgb, f.gray = rgb, to_gray(rgb)


def _measure(
    add: Callable[[Check], None],
    rgb: np.ndarray,
    std: PhotoStandard,
    lm: Landmarks,
    box: tuple[float, float, float, float],
) -> None:
    """Head geometry and background measured on the file's pixels, checked against ``std``."""
    h, w = rgb.shape[:2]
    g = std.geometry
    band = max(int(0.12 * h), 4)
    # CIELAB of the rows above the eyes, every second column: the crown is a row, and the
    # background statistics need no more columns
    # (converted only as far down as the crown search and the background band reach)
    rows = LabRows(rgb, LAB_XSTEP, min(h, max(int(lm.eye_mid[1]), band, 1)))
    geo = measure_upright(rgb, lm, box, lab=rows, xstep=LAB_XSTEP)
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
    k = max(int(0.18 * w) // LAB_XSTEP, 1)
    side = min(int(crown_margin) - 1, band)
    lab, lab8 = rows.rows(0, band), rows.rows8(band)
    parts = [lab[:band, :k].reshape(-1, 3), lab[:band, -k:].reshape(-1, 3)]
    parts8 = [lab8[:band, :k].reshape(-1, 3), lab8[:band, -k:].reshape(-1, 3)]
    if side >= 3:
        parts.append(lab[:side, :].reshape(-1, 3))
        parts8.append(lab8[:side, :].reshape(-1, 3))
    pix = np.concatenate(parts)
    pix8 = np.concatenate(parts8)
    ml, ma, mb = (median_u8(np.ascontiguousarray(pix8[:, i])) for i in range(3))
    med = np.array([ml * 100.0 / 255.0, ma - 128.0, mb - 128.0], np.float32)  # = np.median(pix, axis=0)
    _, dist = nearest_colour((float(med[0]), float(med[1]), float(med[2])), std.backgrounds)
    add(
        Check(
            "background_colour", round(dist, 1), f"<= {std.background_tolerance:g} ΔE", dist <= std.background_tolerance
        )
    )
    diff = pix - med
    spread = percentile(np.sqrt(np.einsum("ij,ij->i", diff, diff)), 90)
    add(Check("background_plain", round(spread, 1), "<= 12 ΔE (P90)", spread <= 12))
