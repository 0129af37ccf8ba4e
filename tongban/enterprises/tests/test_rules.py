"""Pure rules: the credit-code check character and the road table at its edges."""

from __future__ import annotations

import datetime as dt

import pytest

from tongban.enterprises.roads import hours_text, in_window, road_allowed
from tongban.enterprises.uscc import is_valid_uscc, make_uscc, uscc_check_char


@pytest.mark.parametrize(
    "code",
    ["914403001922038216", "91330100799655058B", "91110000802100433B"],  # published codes
)
def test_published_codes_are_valid(code: str) -> None:
    assert is_valid_uscc(code)
    assert is_valid_uscc(code.lower())


def test_one_changed_character_is_refused() -> None:
    assert not is_valid_uscc("914403001922038217")
    assert not is_valid_uscc("91440300192203821")  # 17 characters
    assert not is_valid_uscc("9144030019220382I6")  # I is not in the alphabet


def test_check_char_of_zero_remainder_is_zero() -> None:
    # The weights' sum mod 31 == 0 gives check value 0, not 31.
    assert uscc_check_char("0" * 17) == "0"


def test_made_codes_validate() -> None:
    for seq in (0, 1, 30, 31, 10**9):
        assert is_valid_uscc(make_uscc(region="330106", seq=seq))


@pytest.mark.parametrize(
    ("hhmm", "inside"),
    [("22:29", False), ("22:30", True), ("23:59", True), ("00:00", True), ("05:29", True), ("05:30", False)],
)
def test_night_window_is_half_open_across_midnight(hhmm: str, inside: bool) -> None:
    assert in_window(dt.time.fromisoformat(hhmm), "22:30-05:30") is inside


def test_daytime_window() -> None:
    assert in_window(dt.time(9, 0), "09:00-17:00")
    assert not in_window(dt.time(17, 0), "09:00-17:00")


@pytest.mark.parametrize(
    ("truck_class", "road", "hhmm", "allowed", "rule"),
    [
        ("large", "core", "22:30", True, "night"),
        ("large", "core", "05:30", False, "night"),
        ("large", "arterial", "12:00", False, "night"),
        ("large", "ring", "12:00", True, "always"),
        ("medium", "arterial", "12:00", True, "always"),
        ("medium", "core", "12:00", False, "night"),
        ("light", "core", "12:00", True, "always"),
        ("light", "moon", "12:00", False, "unknown_road"),
    ],
)
def test_road_decisions(truck_class: str, road: str, hhmm: str, allowed: bool, rule: str) -> None:
    d = road_allowed(
        truck_class=truck_class, night_window="22:30-05:30", road=road, local_time=dt.time.fromisoformat(hhmm)
    )
    assert (d.allowed, d.rule) == (allowed, rule)


def test_hours_printed_on_the_pass() -> None:
    assert hours_text(truck_class="large", night_window="22:30-05:30") == (
        "绕城公路及货运通道全天；城区主干道22:30至次日05:30；城区限行区道路22:30至次日05:30"
    )
    assert (
        hours_text(truck_class="light", night_window="") == "绕城公路及货运通道全天；城区主干道全天；城区限行区道路全天"
    )
