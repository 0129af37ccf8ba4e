"""The developer test set (../shared/data/faces) and what each image must give.

Face counts come from LICENSES.md. Pass/fail and the reasons are ours: an image "fails with the
right reason" when every component listed in ``must_fail`` failed (others may fail as well).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from tongban.photos.engine.pipeline import Result, process

FACES = Path(os.environ.get("TONGBAN_FACES_DIR", "/work/shared/data/faces"))
MANY = 12  # "group = many (dozens, most of them small)": at least this many


@dataclass(frozen=True)
class Expect:
    faces: int  # exact count, or MANY meaning "at least MANY"
    passes: bool
    must_fail: tuple[str, ...] = ()


EXPECTED: dict[str, Expect] = {
    "cong_A000055_plain.jpg": Expect(1, True),
    "cong_B001288_whitebg.jpg": Expect(1, True),
    "cong_C001080_plain.jpg": Expect(1, True),
    "cong_C001130_plain.jpg": Expect(1, True),
    "cong_D000096_rot9.jpg": Expect(1, True),  # 9° roll is levelled when deriving
    "cong_A000370_hat.jpg": Expect(1, False, ("crown_height",)),
    "cong_B001300_lowres.jpg": Expect(1, False, ("inter_eye_distance",)),
    "cong_B001305_office_smallface.jpg": Expect(1, False, ("inter_eye_distance", "background_uniformity")),
    "cong_C001120_eyepatch_flag.jpg": Expect(1, False, ("background_uniformity",)),
    "cong_F000468_indoor_bg.jpg": Expect(1, False, ("background_uniformity",)),
    "cong_G000582_banner_noportrait.jpg": Expect(1, False, ("inter_eye_distance", "background_uniformity")),
    "cong_K000377_casual_office.jpg": Expect(1, False, ("background_uniformity",)),
    "cong_L000397_headtilt.jpg": Expect(1, False, ("roll",)),
    "nasa_astronaut_collins.png": Expect(1, False, ("inter_eye_distance",)),
    "noface_coffee.png": Expect(0, False, ("face_count",)),
    "group_18f_team.jpg": Expect(MANY, False, ("face_count",)),
    "18f_kate_patterned_bg.jpg": Expect(1, False, ("background_uniformity",)),
    "18f_krutivora_patterned.jpg": Expect(1, False, ("inter_eye_distance", "background_uniformity")),
    "18f_dave_kites_bg.jpg": Expect(1, False, ("inter_eye_distance", "background_uniformity")),
    "18f_annalee_veil_lowres.jpg": Expect(1, False, ("inter_eye_distance", "background_uniformity")),
    "18f_yoz_hand_near_face.jpg": Expect(1, False, ("inter_eye_distance", "background_uniformity")),
    # the face is dark against a bright sky; the area right around the head is sky, so the
    # background measure does not flag it (known limit, docs/adr/0004-face-detector.md)
    "18f_mark_beard_outdoor.jpg": Expect(1, False, ("under_exposure",)),
}


@functools.cache
def result_for(name: str) -> Result:
    """The pipeline's result for one test image (cached: the pipeline is deterministic)."""
    return process((FACES / name).read_bytes())
