"""The diversity portraits (``data/portraits``): licences beside the files, and for each the
face count, the verdict, the reasons (true ones only) and the derived files."""

from __future__ import annotations

import re

import pytest

from tongban.photos.engine.derive import MESSAGES
from tongban.photos.engine.standards import default_standards
from tongban.photos.engine.verify import verify
from tongban.photos.tests.portraits import MAX_BYTES, PORTRAIT_EXPECTED, PORTRAITS, portrait_result

NAMES = sorted(PORTRAIT_EXPECTED)


def _param(name: str) -> object:
    bug = PORTRAIT_EXPECTED[name].bug
    return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=bug)) if bug else name


def test_every_portrait_has_an_expectation_a_licence_row_and_is_small() -> None:
    on_disk = {p.name for p in PORTRAITS.iterdir() if p.suffix.lower() in {".jpg", ".png"}}
    assert on_disk == set(PORTRAIT_EXPECTED)
    licences = (PORTRAITS / "LICENSES.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([^`]+)` \|.*$", licences, re.M)}
    assert set(rows) == on_disk
    for name in on_disk:
        size = (PORTRAITS / name).stat().st_size
        assert size < MAX_BYTES, name
        assert "Public domain" in rows[name], name
        assert rows[name].rstrip(" |").endswith(str(size)), name  # the bytes column is the file's


@pytest.mark.parametrize("name", NAMES)
def test_face_count(name: str) -> None:
    res = portrait_result(name)
    assert res.error is None and res.analysis is not None
    assert len(res.analysis.faces) == PORTRAIT_EXPECTED[name].faces


@pytest.mark.parametrize("name", [_param(n) for n in NAMES])
def test_verdict_reasons_and_derivatives(name: str) -> None:
    exp = PORTRAIT_EXPECTED[name]
    res = portrait_result(name)
    assert res.analysis is not None
    failed = {c.key for c in res.analysis.failures}
    assert set(exp.must_fail) <= failed, failed
    assert not set(exp.must_pass) & failed, failed  # no false reason
    assert res.passed is exp.passes, (failed, res.unframable)
    assert set(res.derivatives) == exp.derived, res.refusals
    for code in set(default_standards()) - exp.derived:
        assert res.refusals[code]["code"] == exp.why, (code, res.refusals[code])
    reasons = res.reasons()
    assert reasons or res.passed
    for r in reasons:
        assert r["zh"] and r["en"] and "_" not in r["zh"]
    if not exp.passes and exp.why == "shoulders":
        assert [r["zh"] for r in reasons] == [MESSAGES["shoulders"][0]]


def test_a_religious_head_covering_is_not_a_hat() -> None:
    """The hijab portrait is refused for its size and its flag, never told to take off a hat
    or that the top of the head is missing; the wide hat is refused."""
    hijab = portrait_result("cong_O000173_hijab_flag.jpg")
    told = " ".join(r["zh"] for r in hijab.reasons())
    assert "帽" not in told and "头顶" not in told, told
    hat = portrait_result("cong_W000808_cowboy_hat.jpg")
    assert not hat.passed and hat.derivatives == {}


@pytest.mark.parametrize("name", [n for n in NAMES if PORTRAIT_EXPECTED[n].derived and not PORTRAIT_EXPECTED[n].bug])
def test_each_derivative_verifies_again_from_its_bytes(name: str) -> None:
    res = portrait_result(name)
    stds = default_standards()
    for code, der in res.derivatives.items():
        again = verify(der.data, stds[code])
        assert again.passed, [c for c in again.checks if not c.passed]
