"""The developer test set (../shared/data/faces) and what each image must give.

Face counts come from LICENSES.md. Pass/fail, the reasons and the standards derived are ours,
each confirmed by looking at the image and its derived files (the acceptance table in
docs/adr/0004-face-detector.md): an image "fails with the right reason" when every component
listed in ``must_fail`` failed (others may fail as well).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from tongban.photos.engine.pipeline import Result, process

FACES = Path(os.environ.get("TONGBAN_FACES_DIR", "/work/shared/data/faces"))
MANY = 12  # "group = many (dozens, most of them small)": at least this many


ID_FAMILY = frozenset({"id_card", "social_security_card", "residence_permit"})
NOT_ID = frozenset({"driver_licence", "passport", "hk_macao_permit"})


@dataclass(frozen=True)
class Expect:
    faces: int  # exact count, or MANY meaning "at least MANY"
    passes: bool
    must_fail: tuple[str, ...] = ()
    # when it passes: exactly these standards are derived (the others refused, see ``why``)
    derived: frozenset[str] = frozenset()
    # refusal code of every standard not derived (quality failures are "quality")
    why: str = "quality"


# The official portraits are cropped at the chest: a standard whose frame reaches further below
# the chin than the photo does (the passport needs about two inter-eye distances under it) is
# refused "请拍摄包含双肩的照片", never padded with invented pixels.
EXPECTED: dict[str, Expect] = {
    "cong_A000055_plain.jpg": Expect(1, False, why="shoulders"),  # off-centre and cut at the chest
    "cong_B001288_whitebg.jpg": Expect(1, True, derived=ID_FAMILY | {"driver_licence"}, why="shoulders"),
    "cong_C001080_plain.jpg": Expect(1, True, derived=ID_FAMILY, why="shoulders"),
    "cong_C001130_plain.jpg": Expect(1, True, derived=ID_FAMILY, why="shoulders"),
    # tilted 9° with the corners filled: the wedges are outside the photo, and below the chin
    # every frame needs them
    "cong_D000096_rot9.jpg": Expect(1, False, why="shoulders"),
    # a hat with a brim: refused for the hat (not for the head's height, which the frames hold)
    "cong_A000370_hat.jpg": Expect(1, False, ("head_covering",)),
    "cong_B001300_lowres.jpg": Expect(1, False, ("inter_eye_distance",)),
    "cong_B001305_office_smallface.jpg": Expect(1, False, ("inter_eye_distance", "background_uniformity")),
    # an eye patch: the eye cannot be seen (and a flag behind)
    "cong_C001120_eyepatch_flag.jpg": Expect(1, False, ("eyes_visible", "background_uniformity")),
    "cong_F000468_indoor_bg.jpg": Expect(1, False, ("background_uniformity",)),
    "cong_G000582_banner_noportrait.jpg": Expect(1, False, ("inter_eye_distance", "background_uniformity")),
    "cong_K000377_casual_office.jpg": Expect(1, False, ("background_uniformity",)),
    "cong_L000397_headtilt.jpg": Expect(1, False, ("roll", "yaw")),
    "nasa_astronaut_collins.png": Expect(1, False, ("inter_eye_distance",)),
    "noface_coffee.png": Expect(0, False, ("face_count",)),
    "group_18f_team.jpg": Expect(MANY, False, ("face_count",)),
    "18f_kate_patterned_bg.jpg": Expect(1, False, ("background_uniformity",)),
    "18f_krutivora_patterned.jpg": Expect(1, False, ("inter_eye_distance", "background_uniformity")),
    "18f_dave_kites_bg.jpg": Expect(1, False, ("inter_eye_distance", "background_uniformity")),
    "18f_annalee_veil_lowres.jpg": Expect(1, False, ("inter_eye_distance", "background_uniformity")),
    # the face is small, and a hand is raised beside it
    "18f_yoz_hand_near_face.jpg": Expect(1, False, ("inter_eye_distance", "raised_hand")),
    # backlit against the sky: the face is dark (measured on skin only) and the backdrop busy
    "18f_mark_beard_outdoor.jpg": Expect(1, False, ("luminance_mean", "background_uniformity")),
}


@functools.cache
def window_portrait() -> Path:
    """A photo that gives all six standards: a head-and-shoulders portrait with headroom on a
    plain light backdrop (``synth.head_and_shoulders`` of 18F's portrait of Kate), written once
    per test session to a temporary file."""
    import tempfile

    from tongban.photos.tests.synth import synthetic_bytes

    path = Path(tempfile.gettempdir()) / f"tongban-photos-{os.getpid()}" / "synth_kate_window.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(synthetic_bytes("synth_kate_window"))
    return path


@functools.cache
def result_for(name: str) -> Result:
    """The pipeline's result for one test image (cached: the pipeline is deterministic)."""
    return process((FACES / name).read_bytes())
