"""The diversity portraits kept with the tests (``data/portraits``) and what each must give.

These widen the project's own test set (issue 18): dark skin tones, people over 60 and over 80,
beards, glasses, a religious head covering (hijab), a non-religious hat, and children. Licences
and provenance are in ``data/portraits/LICENSES.md``.

Each expectation is a passport clerk's verdict, confirmed by looking at the image and at every
file the pipeline derived from it (``tools/photo_refusal_table.py --montage DIR``). Where the
pipeline disagrees with the clerk, ``bug`` says how; the test for that image is expected to fail
(strict, so it reports as soon as the engine is fixed) and the ADR's table shows the row as not
as expected.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from tongban.photos.engine.pipeline import Result, process

PORTRAITS = Path(__file__).resolve().parent / "data" / "portraits"
MAX_BYTES = 300_000  # every stored portrait is smaller than this

ID_FAMILY = frozenset({"id_card", "social_security_card", "residence_permit"})
ID_DRIVER = ID_FAMILY | {"driver_licence"}
ALL_SIX = ID_DRIVER | {"passport", "hk_macao_permit"}


@dataclass(frozen=True)
class Portrait:
    """What the pipeline must answer for one portrait."""

    faces: int
    passes: bool
    must_fail: tuple[str, ...] = ()  # quality components that must fail (others may too)
    must_pass: tuple[str, ...] = ()  # components that must not fail (no false reason)
    derived: frozenset[str] = frozenset()  # exactly these standards, when it passes
    why: str = "quality"  # refusal code of every standard not derived
    bug: str | None = None  # the engine gets this one wrong: how


# Official portraits cut at the chest with the head filling most of the width: the sides of
# the frame below the chin would need pixels beside the photo, so those standards are refused
# "请拍摄包含双肩的照片" (the shoulders run out of the photo at both sides).
PORTRAIT_EXPECTED: dict[str, Portrait] = {
    # head 66 % of the width, shoulders cut by both sides: nothing can be framed
    "cong_C000537_80plus_glasses_dark.jpg": Portrait(
        1, False, must_pass=("luminance_mean", "under_exposure", "eyes_visible"), why="shoulders"
    ),
    "cong_C001061_60plus_moustache_dark.jpg": Portrait(
        1, False, must_pass=("luminance_mean", "under_exposure"), why="shoulders"
    ),
    "cong_G000551_moustache_glasses.jpg": Portrait(1, False, must_pass=("eyes_visible",), why="shoulders"),
    "cong_N000147_80plus_glasses_dark.jpg": Portrait(
        1, False, must_pass=("luminance_mean", "eyes_visible"), why="shoulders"
    ),
    # a flag and a mottled backdrop behind a bearded face
    "cong_D000032_beard_flag.jpg": Portrait(
        1, False, ("background_uniformity",), must_pass=("luminance_mean", "under_exposure", "face_occlusion")
    ),
    # beard, plain backdrop: every standard but the driving licence (which needs more chest)
    "cong_F000476_young_beard.jpg": Portrait(
        1, True, must_pass=("luminance_mean", "face_occlusion"), derived=ALL_SIX - {"driver_licence"}, why="shoulders"
    ),
    # 230×281: the face is too small for any standard
    "cong_G000386_90_glasses_lowres.jpg": Portrait(1, False, ("inter_eye_distance",)),
    "cong_G000553_beard_dark.jpg": Portrait(
        1, True, must_pass=("luminance_mean", "under_exposure", "face_occlusion"), derived=ID_FAMILY, why="shoulders"
    ),
    "cong_H001042_60plus_eastasian.jpg": Portrait(1, True, derived=ALL_SIX),
    "cong_J000032_60plus_dark.jpg": Portrait(
        1, True, must_pass=("luminance_mean", "crown_height"), derived=ID_DRIVER, why="shoulders"
    ),
    # tall white hair: a clerk accepts it (the ID frames have room, as the derived files show)
    "cong_N000179_80plus_whitehair.jpg": Portrait(
        1, True, must_pass=("crown_height", "head_covering"), derived=ID_DRIVER, why="shoulders"
    ),
    # full natural hair, 2.45 inter-eye distances from the eyes to the top: not a hat
    "cong_T000488_60plus_southasian.jpg": Portrait(
        1, True, must_pass=("crown_height", "head_covering"), derived=ID_DRIVER, why="shoulders"
    ),
    # hijab: a religious covering the standards allow (face from chin to forehead and both
    # edges visible) is never called a hat; this photo is small (71 px between the eyes) and
    # has a flag behind
    "cong_O000173_hijab_flag.jpg": Portrait(
        1,
        False,
        ("inter_eye_distance", "background_uniformity"),
        must_pass=("crown_height", "crown_visible", "head_covering", "face_occlusion"),
    ),
    # a wide hat cut by the top of the photo: refused for the hat and the top of the head
    # (her pearls below the chin look like fingers to the hand landmark model, 0.80, but the
    # palm detector scores them under its threshold: no hand is reported)
    "cong_W000808_cowboy_hat.jpg": Portrait(1, False, ("crown_visible", "head_covering"), must_pass=("raised_hand",)),
    # children (about 9–10): grass and trees behind; never refused for the head's size or shape
    "doi_kids_two_children.jpg": Portrait(2, False, ("face_count",)),
    # she holds her pass up beside her chin
    "doi_kid_girl_card.jpg": Portrait(
        1,
        False,
        ("background_uniformity", "raised_hand"),
        must_pass=("inter_eye_distance", "crown_height", "luminance_mean"),
    ),
    "doi_kid_boy_card.jpg": Portrait(
        1, False, ("background_uniformity",), must_pass=("inter_eye_distance", "crown_height", "eyes_visible")
    ),
}


@functools.cache
def portrait_result(name: str) -> Result:
    """The pipeline's result for one portrait (cached: the pipeline is deterministic)."""
    return process((PORTRAITS / name).read_bytes())
