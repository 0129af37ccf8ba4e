"""Which road a truck with a pass may use at which time: the road table is data
(``data/roads.yaml``), the decision a pure function of the pass's class and night window, the
road class and the local time. Windows are half-open: 22:30-05:30 admits 22:30 and 05:29, not
05:30."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROADS_FILE = Path(__file__).parent / "data" / "roads.yaml"


@cache
def road_table() -> dict[str, Any]:
    """The road table as loaded from ``data/roads.yaml`` (kept per process)."""
    with ROADS_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    for klass, row in data["access"].items():
        for road, rule in row.items():
            if rule not in ("always", "night", "never"):
                raise ValueError(f"roads.yaml: {klass}/{road}: unknown rule {rule!r}")
    return data


def parse_window(window: str) -> tuple[dt.time, dt.time]:
    """``"22:30-05:30"`` → (22:30, 05:30). Raises ValueError."""
    start, _, end = window.partition("-")
    return dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip())


def in_window(moment: dt.time, window: str) -> bool:
    """Whether a local time of day falls in the half-open window (which may cross midnight)."""
    start, end = parse_window(window)
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


@dataclass(frozen=True)
class RoadDecision:
    """May this pass's vehicle be on this road class at this time, and which rule said so."""

    allowed: bool
    rule: str  # always, night, never, unknown_road
    window: str


def road_allowed(*, truck_class: str, night_window: str, road: str, local_time: dt.time) -> RoadDecision:
    """The decision for one road class; an unknown class or road is refused."""
    table = road_table()
    rule = table["access"].get(truck_class, {}).get(road)
    window = night_window or table["night_window"]
    if rule is None:
        return RoadDecision(False, "unknown_road", window)
    if rule == "always":
        return RoadDecision(True, rule, window)
    if rule == "night":
        return RoadDecision(in_window(local_time, window), rule, window)
    return RoadDecision(False, rule, window)


def hours_text(*, truck_class: str, night_window: str) -> str:
    """The permitted hours as printed on the pass (Chinese, as the certificate is)."""
    table = road_table()
    window = night_window or table["night_window"]
    parts = []
    for road in table["roads"]:
        rule = table["access"].get(truck_class, {}).get(road["code"], "never")
        if rule == "always":
            parts.append(f"{road['name_zh']}全天")
        elif rule == "night":
            start, end = parse_window(window)
            joint = "至次日" if end <= start else "至"
            parts.append(f"{road['name_zh']}{start:%H:%M}{joint}{end:%H:%M}")
    return "；".join(parts) or "无"


def class_name(truck_class: str) -> tuple[str, str]:
    """(中文, English) name of a truck class."""
    row = road_table()["classes"].get(truck_class, {"name_zh": truck_class, "name_en": truck_class})
    return row["name_zh"], row["name_en"]
