"""The rating scheme as plain data: parsed and checked from ``data/schemes.yaml`` (no Django).

A scheme fixes the five levels (value 5 best .. 1 worst, which ones are 差评), the indicator
sets and which rating channel uses which, and the time limits of invitations and follow-ups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data" / "schemes.yaml"
CHANNELS = ("online", "phone", "window", "kiosk")


class SchemeError(ValueError):
    """The scheme data breaks a rule (the message names the version and the field)."""


@dataclass(frozen=True)
class Level:
    value: int
    name_zh: str
    name_en: str
    bad: bool


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Scheme:
    """One version of the rules."""

    version: int
    effective_from: dt.date
    source: str
    levels: tuple[Level, ...]
    indicator_sets: dict[str, tuple[Indicator, ...]]
    channel_sets: dict[str, str]
    invite_after_days: int
    followup_working_days: int
    handover_minutes: int

    def level(self, value: int) -> Level | None:
        return next((lv for lv in self.levels if lv.value == value), None)

    def is_bad(self, value: int) -> bool:
        lv = self.level(value)
        return bool(lv and lv.bad)

    def indicators(self, channel: str) -> tuple[Indicator, ...]:
        return self.indicator_sets[self.channel_sets[channel]]

    def satisfied_values(self) -> frozenset[int]:
        """Levels that count as satisfied (every level that is not a 差评)."""
        return frozenset(lv.value for lv in self.levels if not lv.bad)


def _need(entry: dict[str, Any], key: str, where: str) -> Any:
    if key not in entry:
        raise SchemeError(f"{where}: {key} is missing")
    return entry[key]


def scheme_from_data(entry: dict[str, Any]) -> Scheme:
    """A Scheme from one YAML entry. Raises SchemeError."""
    version = int(_need(entry, "version", "scheme"))
    where = f"scheme v{version}"
    levels = tuple(
        Level(int(_need(lv, "value", where)), str(lv["name_zh"]), str(lv["name_en"]), bool(lv.get("bad", False)))
        for lv in _need(entry, "levels", where)
    )
    if sorted(lv.value for lv in levels) != [1, 2, 3, 4, 5]:
        raise SchemeError(f"{where}: levels must be the values 1 to 5, each once")
    if not any(lv.bad for lv in levels) or all(lv.bad for lv in levels):
        raise SchemeError(f"{where}: some levels, not all, are 差评")
    sets = {
        str(name): tuple(Indicator(str(i["code"]), str(i["name_zh"]), str(i["name_en"])) for i in items)
        for name, items in _need(entry, "indicator_sets", where).items()
    }
    for name, items in sets.items():
        codes = [i.code for i in items]
        if not codes or len(set(codes)) != len(codes):
            raise SchemeError(f"{where}: indicator set {name} is empty or repeats a code")
    channel_sets = {str(k): str(v) for k, v in _need(entry, "channel_sets", where).items()}
    if set(channel_sets) != set(CHANNELS) or not set(channel_sets.values()) <= set(sets):
        raise SchemeError(f"{where}: channel_sets must map {', '.join(CHANNELS)} to indicator sets")
    effective = _need(entry, "effective_from", where)
    numbers = {
        k: int(_need(entry, k, where)) for k in ("invite_after_days", "followup_working_days", "handover_minutes")
    }
    if min(numbers.values()) < 1:
        raise SchemeError(f"{where}: time limits must be at least 1")
    return Scheme(
        version=version,
        effective_from=effective if isinstance(effective, dt.date) else dt.date.fromisoformat(str(effective)),
        source=str(entry.get("source", "")),
        levels=levels,
        indicator_sets=sets,
        channel_sets=channel_sets,
        **numbers,
    )


def schemes_read(path: Path = DATA) -> list[tuple[Scheme, dict[str, Any]]]:
    """Every scheme in the data file with its raw entry, by version. Raises SchemeError."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    out = [(scheme_from_data(e), e) for e in entries]
    versions = [s.version for s, _ in out]
    if len(set(versions)) != len(versions):
        raise SchemeError("schemes: a version appears twice")
    return sorted(out, key=lambda pair: pair[0].version)


def jsonable(entry: dict[str, Any]) -> dict[str, Any]:
    """The raw entry with dates as ISO strings (for the JSON column)."""
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in entry.items()}
