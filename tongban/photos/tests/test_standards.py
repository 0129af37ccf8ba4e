"""Photo standards are data: the shipped file, and clear errors for bad records."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tongban.photos.engine.standards import (
    STANDARDS_FILE,
    StandardError,
    load_standards,
    standard_from_dict,
    standards_from_records,
)


def test_shipped_standards_carry_the_published_numbers() -> None:
    stds = load_standards()
    assert set(stds) == {
        "id_card",
        "social_security_card",
        "residence_permit",
        "driver_licence",
        "passport",
        "hk_macao_permit",
    }
    idc = stds["id_card"]
    assert (idc.width_px, idc.height_px, idc.dpi) == (358, 441, 350)
    assert idc.backgrounds == ((255, 255, 255),)
    assert idc.geometry.face_width_px == (193.0, 221.0)  # 207 ± 14
    assert idc.geometry.crown_margin_px == (7.0, 21.0)
    assert idc.geometry.eye_line_min_from_bottom_px == 207
    assert idc.kb == (14.0, 20.0)
    assert stds["social_security_card"].kb == (14.0, 40.0)
    assert stds["residence_permit"].kb == (14.0, 30.0)
    dl = stds["driver_licence"]
    assert (dl.width_px, dl.height_px, dl.dpi, dl.kb) == (260, 378, 300, (14.0, 30.0))
    pp = stds["passport"]
    assert (pp.width_px, pp.height_px, pp.kb) == (354, 472, (20.0, 80.0))
    assert len(pp.backgrounds) == 3
    assert pp.senior is not None
    assert (pp.senior.min_age, pp.senior.validity_days) == (60, 1826)
    assert set(pp.senior.from_standards) == {"passport", "hk_macao_permit", "id_card"}
    for std in stds.values():
        assert std.sources["size_dpi"] and std.sources["geometry"] and std.sources["kb"]


def test_round_trip_through_dict() -> None:
    for std in load_standards().values():
        assert standard_from_dict(std.to_dict()) == std


def _records() -> list[dict[str, Any]]:
    return list(yaml.safe_load(Path(STANDARDS_FILE).read_text(encoding="utf-8"))["standards"])


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda r: r.pop("dpi"), "id_card.dpi"),
        (lambda r: r.update(kb=[20, 14]), "id_card.kb"),
        (lambda r: r.update(backgrounds=["white"]), "id_card.backgrounds[0]"),
        (lambda r: r.update(width_px="358"), "id_card.width_px"),
        (lambda r: r["geometry"].update(mode="ratio"), "id_card.geometry.mode"),
        (lambda r: r["geometry"].pop("face_width_px"), "id_card.geometry.face_width_px"),
        (lambda r: r.update(code="ID Card"), "standard.code"),
    ],
)
def test_bad_record_names_the_field(change: Any, path: str) -> None:
    rec = copy.deepcopy(_records()[0])
    change(rec)
    with pytest.raises(StandardError) as err:
        standard_from_dict(rec)
    assert err.value.path == path


def test_duplicate_codes_and_unknown_senior_sources_are_refused() -> None:
    recs = _records()
    with pytest.raises(StandardError, match="duplicate"):
        standards_from_records([*recs, recs[0]])
    bad = copy.deepcopy(recs)
    for r in bad:
        if r["code"] == "passport":
            r["reuse"]["senior"]["from_standards"] = ["visa"]
    with pytest.raises(StandardError, match="unknown standard 'visa'"):
        standards_from_records(bad)


def test_unreadable_file(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("standards: {", encoding="utf-8")
    with pytest.raises(StandardError):
        load_standards(p)
    p.write_text("just: text\n", encoding="utf-8")
    with pytest.raises(StandardError, match="'standards' list"):
        load_standards(p)
