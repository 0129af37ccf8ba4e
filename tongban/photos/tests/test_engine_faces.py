"""Every image of the developer test set: face count, verdict, reasons, derivatives."""

from __future__ import annotations

import pytest

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
def test_verdict_and_reasons(name: str) -> None:
    res = result_for(name)
    exp = EXPECTED[name]
    assert res.analysis is not None
    failed = {c.key for c in res.analysis.failures}
    assert res.passed is exp.passes, failed
    assert set(exp.must_fail) <= failed
    for comp in res.analysis.failures:  # every failure tells the person what to do
        assert comp.hint_zh and comp.hint_en


@pytest.mark.parametrize("name", [n for n in NAMES if EXPECTED[n].passes])
def test_passing_image_yields_every_standard_and_each_verifies(name: str) -> None:
    res = result_for(name)
    stds = default_standards()
    assert set(res.derivatives) == set(stds), res.refusals
    for code, der in res.derivatives.items():
        std = stds[code]
        again = verify(der.data, std)  # independent: only the bytes and the standard
        assert again.passed, [c for c in again.checks if not c.passed]
        lo, hi = std.bytes_window
        assert lo <= len(der.data) <= hi
        assert b"Exif" not in der.data[:2000]


@pytest.mark.parametrize("name", [n for n in NAMES if not EXPECTED[n].passes])
def test_failing_image_yields_nothing_and_says_why(name: str) -> None:
    res = result_for(name)
    assert res.derivatives == {}
    for refusal in res.refusals.values():
        assert refusal["code"] == "quality"
        assert refusal["message_zh"].startswith("照片未通过质量检查")


def test_background_hint_is_chinese_first() -> None:
    res = result_for("18f_kate_patterned_bg.jpg")
    assert res.analysis is not None
    hints = {c.key: c.hint_zh for c in res.analysis.failures}
    assert "背景不均匀" in hints["background_uniformity"]


def test_rotated_subject_is_levelled_in_every_derivative() -> None:
    res = result_for("cong_D000096_rot9.jpg")
    for code, ver in res.verifications.items():
        roll = next(c for c in ver.checks if c.key == "roll")
        assert isinstance(roll.value, float)
        assert abs(roll.value) <= 3.0, code


def test_report_is_json_in_original_pixels() -> None:
    import json

    res = result_for("cong_C001080_plain.jpg")
    rep = res.report()
    json.dumps(rep)  # serialisable
    assert rep["width"] == 675 and rep["height"] == 825
    assert rep["face_count"] == 1
    box = rep["faces"][0]["box"]
    assert 0 <= box[0] < box[2] <= 675 and 0 <= box[1] < box[3] <= 825
    assert set(rep["derivatives"]) == set(default_standards())
