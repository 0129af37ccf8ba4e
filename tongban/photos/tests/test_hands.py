"""A hand held up in front of the face or the body (``engine/hands.py``): the palm detector's
anchors and decoding, the zone a document frame shows, and the check on real photos: the
boy holding his pass under his chin is refused for the hand with a hint he can follow, a plain
portrait and a necklace are not."""

from __future__ import annotations

import cv2
import numpy as np

from tongban.photos.engine.hands import PALM_SIZE, Palm, anchors, detect_palms, in_zone, raised_hand
from tongban.photos.engine.pipeline import process
from tongban.photos.engine.quality import load_thresholds
from tongban.photos.tests.faces import FACES
from tongban.photos.tests.portraits import portrait_result
from tongban.photos.tests.synth import synthetic_bytes

HAND_HINT = "请不要用手或物品遮挡面部和身体，双手放下后重拍。"


def _rgb(data: bytes) -> np.ndarray:
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert bgr is not None
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def test_anchors_are_the_palm_graphs() -> None:
    a = anchors()
    assert a.shape == (2016, 2)
    # stride 8: a 24×24 grid, two anchors per cell; then stride 16 (three layers): 12×12, six
    assert np.allclose(a[0], [0.5 / 24, 0.5 / 24]) and np.allclose(a[1], a[0])
    assert np.allclose(a[1151], [23.5 / 24, 23.5 / 24])
    assert np.allclose(a[1152], [0.5 / 12, 0.5 / 12]) and np.allclose(a[1157], a[1152])
    assert np.allclose(a[-1], [11.5 / 12, 11.5 / 12])
    assert PALM_SIZE == 192


def test_the_zone_is_the_frame_around_the_head() -> None:
    def palm(x0: float, y0: float, x1: float, y1: float) -> Palm:
        return Palm(box=(x0, y0, x1, y1), keypoints=np.zeros((7, 2)), score=0.9)

    eye, ied, chin = (500.0, 400.0), 100.0, 180.0
    assert in_zone(palm(450, 600, 550, 700), eye, 0.0, ied, chin)  # under the chin
    assert in_zone(palm(660, 300, 760, 400), eye, 0.0, ied, chin)  # beside the face
    assert not in_zone(palm(800, 300, 900, 400), eye, 0.0, ied, chin)  # 3 IED aside
    assert not in_zone(palm(450, 880, 550, 980), eye, 0.0, ied, chin)  # under the frame
    # the head tilted: the zone turns with it
    assert not in_zone(palm(780, 640, 820, 680), eye, 0.0, ied, chin)
    assert in_zone(palm(780, 640, 820, 680), eye, -30.0, ied, chin)


def test_a_pass_held_under_the_chin_is_refused_for_the_hand() -> None:
    res = process(synthetic_bytes("synth_kid_boy_window"))
    assert res.analysis is not None
    failed = {c.key for c in res.analysis.failures}
    assert failed == {"raised_hand"}, failed
    assert not res.derivatives
    assert HAND_HINT in [r["zh"] for r in res.reasons()]
    value = next(c.value for c in res.analysis.components if c.key == "raised_hand")
    assert value is not None and value > (load_thresholds()["raised_hand"].max or 1.0)


def test_a_raised_hand_beside_the_face_is_found() -> None:
    rgb = _rgb((FACES / "18f_yoz_hand_near_face.jpg").read_bytes())
    assert detect_palms(rgb)  # at the palm detector's own threshold
    res = process((FACES / "18f_yoz_hand_near_face.jpg").read_bytes(), derive_all=False)
    assert res.analysis is not None and "raised_hand" in {c.key for c in res.analysis.failures}


def test_no_hand_no_refusal() -> None:
    # a plain portrait (the palm detector takes his chin for a palm at 0.89) ...
    res = process(synthetic_bytes("synth_h001042_red"), derive_all=False)
    assert res.analysis is not None and res.analysis.geometry is not None
    g = res.analysis.geometry
    assert res.decoded is not None
    assert raised_hand(res.decoded.rgb, g.eye_mid, g.roll, g.ied, g.chin) < 0.1
    # ... and pearls under a chin (the landmark model alone takes them for fingers)
    an = portrait_result("cong_W000808_cowboy_hat.jpg").analysis
    assert an is not None and "raised_hand" not in {c.key for c in an.failures}
