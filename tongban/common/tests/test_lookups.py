"""Kept reference data (tongban.common.lookups): kept for the configured seconds, forgotten at
once by the process that changes it, seen by the others when the seconds are up."""

from __future__ import annotations

from typing import Any

from tongban.common.lookups import Lookup, forget_all


class Counter:
    def __init__(self, value: Any) -> None:
        self.value, self.calls = value, 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.value


def test_an_answer_is_kept_for_the_configured_seconds(settings: Any, lookup_clock: Any) -> None:
    settings.LOOKUP_CACHE_SECONDS = 5
    lookup, load = Lookup[str]("test.kept"), Counter("v1")
    assert lookup.get("k", load) == "v1" and lookup.get("k", load) == "v1"
    assert load.calls == 1
    load.value = "v2"  # changed by another process
    lookup_clock.t += 4.9
    assert lookup.get("k", load) == "v1"
    lookup_clock.t += 0.2
    assert lookup.get("k", load) == "v2" and load.calls == 2


def test_zero_seconds_and_misses_are_never_kept(settings: Any, lookup_clock: Any) -> None:
    settings.LOOKUP_CACHE_SECONDS = 0
    lookup, load = Lookup[str]("test.zero"), Counter("v")
    lookup.get("k", load)
    lookup.get("k", load)
    assert load.calls == 2
    settings.LOOKUP_CACHE_SECONDS = 5
    missing = Counter(None)
    assert lookup.get("gone", missing) is None and lookup.get("gone", missing) is None
    assert missing.calls == 2  # a new item or outlet is never hidden behind a kept miss


def test_forget_all_and_the_size_bound(settings: Any, lookup_clock: Any) -> None:
    settings.LOOKUP_CACHE_SECONDS = 60
    lookup, load = Lookup[int]("test.size", size=3), Counter(1)
    for key in range(3):
        lookup.get(key, load)
    lookup.get(0, load)
    assert load.calls == 3
    lookup.get(3, load)  # full: starts again rather than growing
    lookup.get(0, load)
    assert load.calls == 5
    forget_all()
    lookup.get(0, load)
    assert load.calls == 6


def test_a_lookup_that_keeps_misses_keeps_none(settings: Any, lookup_clock: Any) -> None:
    settings.LOOKUP_CACHE_SECONDS = 5
    lookup, load = Lookup[str]("test.misses", misses=True), Counter(None)
    assert lookup.get("k", load) is None and lookup.get("k", load) is None
    assert load.calls == 1
    load.value = "found"
    lookup_clock.t += 6
    assert lookup.get("k", load) == "found" and load.calls == 2
