"""The whole pipeline for one upload: intake → analysis → derive every standard → verify each.

``process`` never raises for bad content: a refused file comes back with ``error`` set (and no
pixels), a photo that fails quality comes back with its report and the reason each standard
could not be derived. Only a derivative whose independent verification passed is offered in
``derivatives``; the others are in ``refusals`` with the failed checks.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cv2

from tongban.photos.engine.analyse import Analysis, analyse
from tongban.photos.engine.derive import MAX_UPSCALE, MESSAGES, Derivative, DeriveError, Plan, Renderer, plan_geometry
from tongban.photos.engine.detect import DEFAULT_DETECTOR
from tongban.photos.engine.imaging import aligned_warp
from tongban.photos.engine.intake import (
    Decoded,
    IntakeError,
    IntakeLimits,
    Probe,
    decode,
    probe,
    stored_original,
)
from tongban.photos.engine.standards import PhotoStandard, default_standards
from tongban.photos.engine.verify import Seed, Verification, verify_many

# Decoded short side asked of the JPEG DCT scaler: enough for a head-and-shoulders photo (the
# face ~20 % of the short side) to give every standard without upscaling (12 MP → 3/8 scale,
# 1280×960 → 8/8); a smaller face is decoded again at the scale it needs (the analysis is
# scaled, not repeated).
DECODE_SHORT_SIDE = 1000
SMALL_FACE_SHORT_SIDE = 1200


# What a citizen is told when a derived file fails its independent check (the failed checks
# stay in the report for the clerk): fixed Chinese texts, Django msgids in the photos catalogue.
VERIFY_MESSAGES: dict[str, tuple[str, str]] = {
    "verification_geometry": (
        "生成的证件照片中头部位置或大小不符合要求，请正对镜头、头部居中并露出双肩后重拍。",
        "In the document photo made from yours the head's size or position is off; face the camera, "
        "centre your head, show both shoulders and retake.",
    ),
    "verification_background": (
        "生成的证件照片背景不符合要求，请在纯色浅色背景前重拍。",
        "The background of the document photo made from yours is not clean; retake in front of a plain light wall.",
    ),
    "verification_file": (
        "生成的证件照片文件不符合要求，请重新上传或重拍。",
        "The document photo file made from yours does not meet the rules; upload or take the photo again.",
    ),
}
_BACKGROUND_CHECKS = {"background_colour", "background_clean", "slab", "streaks"}
_FILE_CHECKS = {"bytes", "dpi", "metadata", "decode", "size"}


def verification_reason(failed: list[str]) -> str:
    """The citizen-facing reason for failed verification checks (geometry first)."""
    if any(k not in _BACKGROUND_CHECKS | _FILE_CHECKS for k in failed):
        return "verification_geometry"
    if any(k in _BACKGROUND_CHECKS for k in failed):
        return "verification_background"
    return "verification_file"


@dataclass(slots=True)
class Result:
    """What one upload produced."""

    error: IntakeError | None = None
    probe: Probe | None = None
    decoded: Decoded | None = None
    analysis: Analysis | None = None
    derivatives: dict[str, Derivative] = field(default_factory=dict)
    refusals: dict[str, dict[str, Any]] = field(default_factory=dict)
    verifications: dict[str, Verification] = field(default_factory=dict)
    # standards the photo cannot be framed for (checked before any rendering), and why
    unframable: dict[str, dict[str, str]] = field(default_factory=dict)
    standards_checked: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Intake succeeded, every quality component passed and at least one standard can be
        framed from the photo."""
        return (
            self.error is None
            and self.analysis is not None
            and self.analysis.passed
            and (self.standards_checked == 0 or len(self.unframable) < self.standards_checked)
        )

    def reasons(self) -> list[dict[str, str]]:
        """What the person is told, in order, each once: failed quality components' hints, then
        (when no standard can be framed) why not."""
        out: list[dict[str, str]] = []
        if self.error is not None:
            return [{"key": self.error.code, "zh": self.error.message_zh, "en": self.error.message_en}]
        if self.analysis is not None:
            out += [{"key": c.key, "zh": c.hint_zh, "en": c.hint_en} for c in self.analysis.failures]
        if not out and self.standards_checked and len(self.unframable) == self.standards_checked:
            for r in self.unframable.values():
                out.append({"key": r["code"], "zh": r["message_zh"], "en": r["message_en"]})
        unique: dict[str, dict[str, str]] = {}
        for r in out:
            unique.setdefault(r["zh"], r)
        return list(unique.values())

    def report(self) -> dict[str, Any]:
        """The quality report and derivation outcome as JSON-able data (original pixels)."""
        if self.error is not None:
            return {"passed": False, "error": self.error.as_dict(), "reasons": self.reasons()}
        assert self.analysis is not None and self.decoded is not None and self.probe is not None
        rep = self.analysis.to_dict(scale=self.decoded.scale)
        rep["format"] = self.probe.format
        rep["normalised"] = list(self.decoded.notes)
        rep["decoded_scale"] = round(self.decoded.scale, 4)
        rep["derivatives"] = {
            k: d.summary() | {"verification": self.verifications[k].to_dict()} for k, d in self.derivatives.items()
        }
        rep["refusals"] = self.refusals
        rep["unframable"] = self.unframable
        rep["passed"] = self.passed
        rep["reasons"] = self.reasons()
        return rep


def process(
    data: bytes,
    standards: Mapping[str, PhotoStandard] | None = None,
    *,
    derive_all: bool = True,
    limits: IntakeLimits | None = None,
    detector: str = DEFAULT_DETECTOR,
    only: list[str] | None = None,
) -> Result:
    """Run intake, analysis and (if ``derive_all``) derivation + verification of every standard.

    ``only`` restricts derivation to some standard codes.
    """
    res = Result()
    t0 = time.process_time()

    def lap(name: str, start: float) -> float:
        now = time.process_time()
        res.timings_ms[name] = round((now - start) * 1000, 2)
        return now

    try:
        pr = probe(data, limits)
        res.probe = pr
        dec = decode(data, pr, min_short_side=DECODE_SHORT_SIDE)
    except IntakeError as exc:
        res.error = exc
        lap("intake", t0)
        return res
    t = lap("decode", t0)
    an = analyse(dec.rgb, source_scale=dec.scale, detector_name=detector)
    t = lap("analyse", t)
    res.timings_ms.update({f"analyse.{k}": v for k, v in an.timings_ms.items()})
    if an.detect_passes > 1 and dec.scale < 1.0:
        # no large face at the header-chosen scale: count small faces on more pixels (group
        # photos); this only slows down photos that fail anyway
        dec = decode(data, pr, min_short_side=min(min(dec.original_size), SMALL_FACE_SHORT_SIDE))
        an = analyse(dec.rgb, source_scale=dec.scale, detector_name=detector)
        t = lap("recount", t)
    stds = dict(standards if standards is not None else default_standards())
    if only is not None:
        stds = {k: v for k, v in stds.items() if k in only}
    if an.passed and an.geometry is not None and dec.scale < 1.0:
        # the header-chosen DCT scale gave too few pixels for some standard: decode again at
        # the scale the largest output needs (only for faces that are small in the frame)
        need = 1.0
        for std in stds.values():
            try:
                need = max(need, plan_geometry(an.geometry, std).scale)
            except DeriveError:
                continue
        if need > 1.0:
            short = min(dec.original_size)
            old = dec.rgb.shape[1]
            dec = decode(
                data,
                pr,
                min_short_side=int(min(dec.rgb.shape[:2]) * need) + 1
                if min(dec.rgb.shape[:2]) * need < short
                else short,
            )
            # the same photo with more pixels: the analysis scales, the models need not run again
            an = an.rescaled(dec.rgb.shape[1] / old, dec.rgb.shape[1], dec.rgb.shape[0])
            t = lap("redecode", t)
    res.decoded, res.analysis = dec, an
    res.standards_checked = len(stds)
    plans: dict[str, Plan] = {}
    if an.passed and an.geometry is not None:
        # which standards the photo can be framed for, without inventing pixels (cheap: no
        # rendering); a photo that can be framed for none fails with the reasons
        h, w = dec.rgb.shape[:2]
        same: dict[tuple[Any, ...], Plan] = {}  # standards with one canvas and geometry: one plan
        for code, std in stds.items():
            try:
                gkey = (std.width_px, std.height_px, std.geometry)
                if gkey not in same:
                    same[gkey] = plan_geometry(an.geometry, std, source=(w, h), region=an.region)
                plan = plans[code] = same[gkey]
                if plan.scale > MAX_UPSCALE:
                    raise DeriveError("too_small", *MESSAGES["too_small"])
            except DeriveError as exc:
                res.unframable[code] = exc.as_dict()
    if not derive_all:
        res.timings_ms["total"] = round((time.process_time() - t0) * 1000, 2)
        return res
    renderer = Renderer(dec.rgb, an, plans)
    derived: dict[str, Derivative] = {}
    errors: dict[str, DeriveError] = {}
    for code, std in stds.items():
        try:
            derived[code] = renderer.derive(std)
        except DeriveError as exc:
            errors[code] = exc
    # byte-identical files checked against identical numbers need checking once
    keys: dict[str, tuple[bytes, Any]] = {}
    todo: dict[tuple[bytes, Any], PhotoStandard] = {}
    for code, d in derived.items():
        std = stds[code]
        vkey = (
            d.data,
            (std.width_px, std.height_px, std.dpi, std.kb, std.geometry, std.backgrounds, std.background_tolerance),
        )
        keys[code] = vkey
        todo.setdefault(vkey, std)
    tv = time.process_time()
    seeds = [mesh_seed(an, std, derived[code].plan) for code, std in _first_codes(keys, todo)]
    verified = dict(zip(todo, verify_many([(k[0], std) for k, std in todo.items()], seeds=seeds), strict=True))
    verify_s = time.process_time() - tv
    for code in stds:
        if code in errors:
            res.refusals[code] = errors[code].as_dict()
            continue
        d = derived[code]
        ver = Verification(standard=code, checks=list(verified[keys[code]].checks))
        res.verifications[code] = ver
        if ver.passed:
            res.derivatives[code] = d
        else:
            kind = verification_reason([c.key for c in ver.failures])
            zh, en = VERIFY_MESSAGES[kind]
            res.refusals[code] = {
                "code": kind,
                "message_zh": zh,
                "message_en": en,
                "checks": ver.to_dict()["checks"],
            }
    t = lap("derive_verify", t)
    res.timings_ms["verify"] = round(verify_s * 1000, 2)
    res.timings_ms["total"] = round((time.process_time() - t0) * 1000, 2)
    return res


__all__ = ["Result", "process", "stored_original"]


def _first_codes(
    keys: dict[str, tuple[bytes, Any]], todo: dict[tuple[bytes, Any], PhotoStandard]
) -> list[tuple[str, PhotoStandard]]:
    """For each file to verify (in ``todo``'s order), the first standard code that made it."""
    first: dict[tuple[bytes, Any], str] = {}
    for code, k in keys.items():
        first.setdefault(k, code)
    return [(first[k], std) for k, std in todo.items()]


def mesh_seed(an: Analysis, std: PhotoStandard, plan: Plan) -> Seed | None:
    """Where the face mesh's points are in a derived file: the analysis' mesh mapped by the
    crop transform the file was rendered with, with that transform and the photo's person map
    (the verifier's starting point, not its answer)."""
    if an.mesh is None or an.geometry is None:
        return None
    m = aligned_warp(an.geometry.eye_mid, an.geometry.roll, plan.scale, (std.width_px / 2, plan.eye_y))
    inv = cv2.invertAffineTransform(m)
    return Seed(points=an.mesh.points[:, :2] @ inv[:, :2].T + inv[:, 2], person=an.person, frame=m)


def process_for_storage(data: bytes, standards: Mapping[str, PhotoStandard]) -> dict[str, Any]:
    """Everything a library needs to store one photo, as plain picklable data.

    Used by batch import workers: the heavy work (decode, analyse, derive, verify) happens
    here, in any process; the caller writes the result to the database and storage.
    """
    import hashlib

    res = process(data, standards)
    out: dict[str, Any] = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "report": res.report(),
        "error": None,
        "original": None,
        "content_type": "",
        "size": (0, 0),
        "derivatives": {},
        "passed": res.passed,
    }
    if res.error is not None:
        out["error"] = res.error.code
        return out
    assert res.probe is not None and res.decoded is not None
    kept, ctype = stored_original(data, res.probe)
    out.update(original=kept, content_type=ctype, size=res.decoded.original_size)
    for code, der in res.derivatives.items():
        out["derivatives"][code] = {
            "data": der.data,
            "width": der.width,
            "height": der.height,
            "dpi": der.dpi,
            "quality": der.quality,
            "verification": res.verifications[code].to_dict(),
        }
    return out
