"""What covers the head or the face (``engine/covering.py``): a hat is refused for the hat, full
or tall hair and a hijab are not; a card over the mouth and chin is refused, beards are not; and
the crown-height limit is what the standards' frames hold."""

from __future__ import annotations

import dataclasses
import functools

import cv2
import numpy as np
import pytest

from tongban.photos.engine.covering import brim_step
from tongban.photos.engine.derive import DeriveError, plan_geometry
from tongban.photos.engine.pipeline import Result, process
from tongban.photos.engine.quality import load_thresholds
from tongban.photos.engine.standards import default_standards
from tongban.photos.tests.faces import FACES, result_for
from tongban.photos.tests.portraits import portrait_result
from tongban.photos.tests.synth import synthetic_bytes

EYE, IED = (150.0, 170.0), 50.0
HAT_HINT = "请摘下帽子后重拍。"
OCCLUSION_HINT = "脸部有遮挡，请移开手或物品后重拍。"
HAND_HINT = "请不要用手或物品遮挡面部和身体，双手放下后重拍。"


@functools.cache
def _synthetic(name: str) -> Result:
    return process(synthetic_bytes(name))


def _head(*, brim: bool = False, hand: bool = False) -> np.ndarray:
    """A person mask on the canvas: an oval head 2.2 IED wide whose top is 2.4 IED above the
    eyes, shoulders below; with a brim 3.4 IED wide at 1.4 IED above the eyes, or a raised hand
    beside the head on one side."""
    alpha = np.zeros((330, 300), np.float32)
    cv2.ellipse(alpha, (150, 150), (55, 100), 0, 0, 360, 1.0, -1)
    cv2.rectangle(alpha, (40, 260), (260, 329), 1.0, -1)
    if brim:
        cv2.ellipse(alpha, (150, 100), (85, 6), 0, 0, 360, 1.0, -1)
    if hand:
        cv2.rectangle(alpha, (150, 90), (250, 110), 1.0, -1)
    return alpha


def test_brim_step_tells_a_brim_from_a_head_and_a_hand() -> None:
    limit = load_thresholds()["head_covering"].max
    assert limit is not None
    crown = (170 - 50) / IED
    plain = brim_step(_head(), crown, EYE, IED)
    hat = brim_step(_head(brim=True), crown, EYE, IED)
    hand = brim_step(_head(hand=True), crown, EYE, IED)
    assert plain < 0.25 and hand < 0.25
    assert hat > limit


@pytest.mark.skipif(not FACES.is_dir(), reason="test faces not available")
def test_a_hat_is_refused_for_the_hat_and_tall_hair_is_not() -> None:
    hat = result_for("cong_A000370_hat.jpg")
    assert [r["zh"] for r in hat.reasons()] == [HAT_HINT]
    assert hat.derivatives == {}
    for name in ("cong_T000488_60plus_southasian.jpg", "cong_N000179_80plus_whitehair.jpg"):
        hair = portrait_result(name)
        assert hair.passed, [c.key for c in hair.analysis.failures] if hair.analysis else None
        assert "id_card" in hair.derivatives


def test_a_hijab_is_not_a_hat() -> None:
    for res in (portrait_result("cong_O000173_hijab_flag.jpg"), _synthetic("synth_o000173_hijab_plain")):
        assert res.analysis is not None
        comps = {c.key: c for c in res.analysis.components}
        assert comps["head_covering"].passed, comps["head_covering"]
        assert HAT_HINT not in [r["zh"] for r in res.reasons()]


@pytest.mark.parametrize("name", ["synth_h001042_card_mouth", "synth_g000553_card_mouth", "synth_kid_boy_card_mouth"])
def test_a_card_over_the_mouth_is_refused_for_it_alone(name: str) -> None:
    # the fingers that hold it (drawn along its edge; the boy's hand holding his pass) may be
    # found too, and that hint is as true (hands.raised_hand); nothing else is said
    res = _synthetic(name)
    assert res.analysis is not None
    failed = [c.key for c in res.analysis.failures]
    assert failed[0] == "face_occlusion" and set(failed) <= {"face_occlusion", "raised_hand"}, failed
    told = [r["zh"] for r in res.reasons()]
    assert told[0] == OCCLUSION_HINT and set(told) <= {OCCLUSION_HINT, HAND_HINT}, told
    assert res.derivatives == {}


@pytest.mark.parametrize(
    "name",
    [
        "cong_G000553_beard_dark.jpg",
        "cong_F000476_young_beard.jpg",
        "cong_D000032_beard_flag.jpg",
        "cong_C001061_60plus_moustache_dark.jpg",
    ],
)
def test_a_beard_is_not_an_occlusion(name: str) -> None:
    res = portrait_result(name)
    assert res.analysis is not None
    comps = {c.key: c for c in res.analysis.components}
    assert comps["face_occlusion"].value is not None and comps["face_occlusion"].value < 0.05


@pytest.mark.skipif(not FACES.is_dir(), reason="test faces not available")
def test_a_beard_outdoors_is_not_an_occlusion() -> None:
    res = result_for("18f_mark_beard_outdoor.jpg")
    assert res.analysis is not None
    comps = {c.key: c for c in res.analysis.components}
    assert comps["face_occlusion"].value is not None and comps["face_occlusion"].value < 0.05


@pytest.mark.parametrize("name", ["cong_T000488_60plus_southasian.jpg", "cong_H001042_60plus_eastasian.jpg"])
def test_crown_height_limit_is_what_the_frames_hold(name: str) -> None:
    """At the limit the exit-entry frames still hold the head; the ID family's frames refuse a
    crown well under it by themselves (the planner's own 'geometry' refusal)."""
    limit = load_thresholds()["crown_height"].max
    assert limit is not None
    geo = portrait_result(name).analysis.geometry  # type: ignore[union-attr]
    assert geo is not None
    stds = default_standards()
    at_limit = dataclasses.replace(geo, crown=limit * geo.ied)
    plan_geometry(at_limit, stds["passport"])
    plan_geometry(at_limit, stds["hk_macao_permit"])
    with pytest.raises(DeriveError):
        plan_geometry(dataclasses.replace(geo, crown=2.6 * geo.ied), stds["id_card"])
