"""Every image of the developer test set: face count, verdict, reasons, derivatives."""

from __future__ import annotations

import pytest

from tongban.photos.engine.derive import MESSAGES
from tongban.photos.engine.standards import default_standards
from tongban.photos.engine.verify import verify
from tongban.photos.tests.faces import EXPECTED, FACES, MANY, result_for

pytestmark = pytest.mark.skipif(not FACES.is_dir(), reason="test faces not available")

NAMES = sorted(EXPECTED)


def test_every_image_of_the_set_has_an_expectation() -> None:
    on_disk = {p.name for p in FACES.iterdir() if p.suffix.lower() in {".jpg", ".png"}}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", NAMES)
def test_face_count(name: str) -> None:
    res = result_for(name)
    assert res.error is None
    assert res.analysis is not None
    expected = EXPECTED[name].faces
    if expected == MANY:
        assert len(res.analysis.faces) >= MANY
    else:
        assert len(res.analysis.faces) == expected


@pytest.mark.parametrize("name", NAMES)
def test_verdict_reasons_and_derivatives(name: str) -> None:
    res = result_for(name)
    exp = EXPECTED[name]
    assert res.analysis is not None
    failed = {c.key for c in res.analysis.failures}
    assert res.passed is exp.passes, (failed, res.unframable)
    assert set(exp.must_fail) <= failed
    assert set(res.derivatives) == exp.derived, res.refusals
    for code in set(default_standards()) - exp.derived:
        assert res.refusals[code]["code"] == exp.why, (code, res.refusals[code])
    # every refusal tells the person what to do, in words, never a check's key
    reasons = res.reasons()
    assert reasons or res.passed
    for r in reasons:
        assert r["zh"] and r["en"] and "_" not in r["zh"]
    if not exp.passes and exp.why == "shoulders":
        assert [r["zh"] for r in reasons] == [MESSAGES["shoulders"][0]]


@pytest.mark.parametrize("name", [n for n in NAMES if EXPECTED[n].derived])
def test_each_derivative_verifies_again_from_its_bytes(name: str) -> None:
    res = result_for(name)
    stds = default_standards()
    for code, der in res.derivatives.items():
        std = stds[code]
        again = verify(der.data, std)  # independent: only the bytes and the standard
        assert again.passed, [c for c in again.checks if not c.passed]
        lo, hi = std.bytes_window
        assert lo <= len(der.data) <= hi
        assert b"Exif" not in der.data[:2000]


def test_background_hint_is_chinese_first() -> None:
    res = result_for("18f_kate_patterned_bg.jpg")
    assert res.analysis is not None
    hints = {c.key: c.hint_zh for c in res.analysis.failures}
    assert "背景不均匀" in hints["background_uniformity"]


def test_rotation_fill_is_outside_the_photo() -> None:
    """cong_D000096_rot9 was turned 9° and its corners filled with one flat colour: four
    fills are found, and no derived frame may reach into them below the chin."""
    res = result_for("cong_D000096_rot9.jpg")
    assert res.analysis is not None and res.analysis.region is not None
    fills = res.analysis.region.fills
    assert len(fills) == 4
    assert {f.colour for f in fills} == {(97, 123, 138)}
    assert res.derivatives == {}
    assert {r["code"] for r in res.unframable.values()} == {"shoulders"}


def test_report_is_json_in_original_pixels() -> None:
    import json

    res = result_for("cong_C001080_plain.jpg")
    rep = res.report()
    json.dumps(rep)  # serialisable
    assert rep["width"] == 675 and rep["height"] == 825
    assert rep["face_count"] == 1
    box = rep["faces"][0]["box"]
    assert 0 <= box[0] < box[2] <= 675 and 0 <= box[1] < box[3] <= 825
    lms = rep["faces"][0]["landmarks"]
    assert set(lms) == {"right_eye", "left_eye", "nose", "chin"}
    # the chin is the mesh's: inside the photo, below the nose
    assert lms["chin"][1] > lms["nose"][1] > lms["right_eye"][1]
    assert set(rep["derivatives"]) == set(EXPECTED["cong_C001080_plain.jpg"].derived)


def test_grace_hopper_is_refused_for_the_flag_behind_her() -> None:
    """matplotlib's public-domain portrait (tests/data): over 60, glasses, a cap, a flag."""
    from pathlib import Path

    from tongban.photos.engine.pipeline import process

    res = process((Path(__file__).parent / "data" / "mpl_grace_hopper.jpg").read_bytes())
    assert res.analysis is not None and not res.passed
    assert [c.key for c in res.analysis.failures] == ["background_uniformity"]
    assert res.derivatives == {}
