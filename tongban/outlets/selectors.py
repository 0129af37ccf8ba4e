"""Outlet reads: which outlets accept an item, the nearest ones, opening hours, coverage.

The spatial index and the outlet rows it answers with live in one per-process snapshot that is
rebuilt after ``SNAPSHOT_TTL`` seconds or when this process's services change an outlet
(``outlet_snapshot_clear``), so a nearest-outlet request runs no query at all.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Exists, Prefetch, QuerySet
from django.utils.translation import gettext

from tongban.common.clock import SHANGHAI
from tongban.outlets.geo import (
    DRIVE,
    WALK,
    CoverageReport,
    DayKind,
    IndexedPoint,
    OpeningHours,
    OutletIndex,
    PopulationGrid,
    TravelMode,
    calendar_from_working_days,
    coverage,
    gcj02_to_wgs84,
    mode_named,
    weekend_calendar,
    wgs84_to_gcj02,
)
from tongban.outlets.geo.travel import round_minutes
from tongban.outlets.models import Outlet, OutletItem, OutletKind
from tongban.outlets.sql import outlet_accepts_sql as outlet_accepts_sql  # re-exported: appointments.sql embeds it

SNAPSHOT_TTL = 30.0  # seconds until another process's outlet changes are seen here
_KIND_LABELS = dict(OutletKind.choices)


def outlets_for_item(*, item_code: str) -> QuerySet[Outlet]:
    """Active outlets that can accept ``item_code`` (one query)."""
    return Outlet.objects.filter(active=True, items__item_code=item_code).order_by("code")


def outlet_accepts(*, outlet_id: Any, item_code: str) -> Exists:
    """An ORM condition that holds when the outlet ``outlet_id`` (an id or an ``OuterRef``) is active
    and accepts ``item_code``: ``outlets_for_item`` for a caller that checks it inside its own
    query, e.g. ``Slot.objects.annotate(handles=outlet_accepts(outlet_id=OuterRef("outlet_id"), ...))``
    (the ORM twin of ``outlet_accepts_sql``)."""
    return Exists(OutletItem.objects.filter(outlet_id=outlet_id, outlet__active=True, item_code=item_code))


def outlets_bookable() -> list[tuple[Outlet, list[str]]]:
    """Active outlets that take appointments, each with the item codes it accepts (two queries)."""
    qs = Outlet.objects.filter(active=True, bookable=True).prefetch_related("items").order_by("code")
    return [(o, sorted(i.item_code for i in o.items.all())) for o in qs]


def outlet_get(*, code: str) -> Outlet:
    """One outlet by code. Raises NotFound."""
    from tongban.common.errors import NotFound

    outlet = Outlet.objects.filter(code=code).prefetch_related("items").first()
    if outlet is None:
        raise NotFound((gettext("没有网点 %(code)s") % {"code": code}), code="outlet_not_found")
    return outlet


def hours_of(outlet: Outlet) -> OpeningHours:
    """The outlet's opening hours as data (malformed stored hours count as closed)."""
    try:
        return OpeningHours.from_data(outlet.hours or {})
    except ValueError:
        return OpeningHours.from_data({})


def day_calendar(*, strict: bool = False) -> Callable[[dt.date], DayKind]:
    """The statutory working-day calendar (tongban.workdays) as a DayCalendar.

    With ``strict`` a date outside the loaded years raises CalendarMissing (slot generation
    must not guess); otherwise such a date falls back to plain weekends (display of "open now").
    """
    from tongban.workdays.calendar import CalendarMissing
    from tongban.workdays.selectors import calendar_get

    cal = calendar_get()
    strict_kind = calendar_from_working_days(cal.is_workday)
    if strict:
        return strict_kind

    def lenient(day: dt.date) -> DayKind:
        try:
            return strict_kind(day)
        except CalendarMissing:
            return weekend_calendar(day)

    return lenient


def kind_label(kind: str) -> str:
    """An outlet kind's name in the active language (translated per request, never kept)."""
    return str(_KIND_LABELS.get(kind, kind))


def outlet_row(outlet: Outlet, items: list[str]) -> dict[str, Any]:
    """An outlet's language-neutral fields; callers add ``kind_label`` per request
    (``labelled``), since the row may be kept across requests in any language."""
    lat = float(outlet.lat or 0.0)
    lng = float(outlet.lng or 0.0)
    glat, glng = wgs84_to_gcj02(lat, lng)
    return {
        "id": outlet.pk,
        "code": outlet.code,
        "name": outlet.name,
        "kind": outlet.kind,
        "region_code": outlet.region_code,
        "address": outlet.address,
        "phone": outlet.phone,
        "lat": round(lat, 7),
        "lng": round(lng, 7),
        "lat_gcj02": round(glat, 7),
        "lng_gcj02": round(glng, 7),
        "extended_hours": outlet.extended_hours,
        "home_visit": outlet.home_visit,
        "bookable": outlet.bookable,
        "items": items,
    }


@dataclass(frozen=True)
class _Snapshot:
    built: float
    index: OutletIndex
    rows: dict[int, dict[str, Any]]
    hours: dict[int, OpeningHours]
    row_json: dict[int, str]  # each row serialised without its closing brace
    # (outlet, local day) → its opening periods from the day before to two weeks ahead, so a
    # request asks the calendar nothing (filled lazily; the snapshot's TTL bounds staleness).
    upcoming: dict[tuple[int, dt.date], list[tuple[dt.datetime, dt.datetime]]] = field(default_factory=dict)
    # outlet → (from, until, JSON of its opening state): the state is the same for every
    # instant in [from, until) (POSIX seconds), a stretch inside one local day during which
    # the outlet stays open or stays closed, so most requests reuse the encoded text.
    opening: dict[int, tuple[float, float, str]] = field(default_factory=dict)

    def _periods(self, key: int, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        periods = self.upcoming.get((key, day))
        if periods is None:
            cal = day_calendar()
            hours = self.hours[key]
            periods = [p for n in range(-1, 15) for p in hours.periods_on(day + dt.timedelta(days=n), cal)]
            self.upcoming[(key, day)] = periods
        return periods

    def next_period(self, key: int, at: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
        for start, end in self._periods(key, at.astimezone(SHANGHAI).date()):
            if end > at:
                return start, end
        return None

    def opening_json(self, key: int, at: dt.datetime, ts: float) -> str:
        """``"open_now": ..., "next_open": ..., "next_close": ...`` of outlet ``key`` at ``at``
        (``ts`` = at.timestamp()), as next_period() decides them."""
        hit = self.opening.get(key)
        if hit is not None and hit[0] <= ts < hit[1]:
            return hit[2]
        day = at.astimezone(SHANGHAI).date()
        # Within one local day every instant sees the same period list, so clamping the
        # stretch to the day keeps the cached answer exactly what next_period() would say.
        lo = dt.datetime.combine(day, dt.time(0), SHANGHAI).timestamp()
        hi = lo + 86_400.0
        state: dict[str, Any] = {"open_now": False, "next_open": None, "next_close": None}
        for start, end in self._periods(key, day):
            s, e = start.timestamp(), end.timestamp()
            if e > ts:
                state = {"open_now": s <= ts, "next_open": start.isoformat(), "next_close": end.isoformat()}
                lo, hi = (max(lo, s), min(hi, e)) if s <= ts else (lo, min(hi, s))
                break
            lo = max(lo, e)
        text = json.dumps(state)[1:-1]
        self.opening[key] = (lo, hi, text)
        return text


_lock = threading.Lock()
_snapshot: _Snapshot | None = None


def outlet_snapshot_clear() -> None:
    """Forget this process's outlet snapshot (after a write, and between tests)."""
    global _snapshot
    _snapshot = None


def _snapshot_get() -> _Snapshot:
    global _snapshot
    snap = _snapshot
    if snap is not None and time.monotonic() - snap.built < SNAPSHOT_TTL:
        return snap
    with _lock:
        snap = _snapshot
        if snap is not None and time.monotonic() - snap.built < SNAPSHOT_TTL:
            return snap  # another thread rebuilt it while this one waited
        outlets = list(
            Outlet.objects.filter(active=True, lat__isnull=False, lng__isnull=False).prefetch_related(
                Prefetch("items", queryset=OutletItem.objects.order_by("item_code"))
            )
        )
        rows: dict[int, dict[str, Any]] = {}
        hours: dict[int, OpeningHours] = {}
        points = []
        for o in outlets:
            items = [i.item_code for i in o.items.all()]
            rows[o.pk] = outlet_row(o, items)
            hours[o.pk] = hours_of(o)
            points.append(
                IndexedPoint(
                    key=o.pk, lat=float(o.lat or 0), lng=float(o.lng or 0), items=frozenset(items), kind=o.kind
                )
            )
        row_json = {key: json.dumps(row, ensure_ascii=False)[:-1] for key, row in rows.items()}
        snap = _Snapshot(time.monotonic(), OutletIndex(points), rows, hours, row_json)
        _snapshot = snap
    return snap


def labelled(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its kind's name in the active language."""
    return row | {"kind_label": kind_label(row["kind"])}


def outlet_rows(*, item_code: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    """Active, located outlets for the map (optionally only those accepting an item / of a
    kind), in code order."""
    snap = _snapshot_get()
    rows = [
        r for r in snap.rows.values() if (not item_code or item_code in r["items"]) and (not kind or r["kind"] == kind)
    ]
    return [labelled(r) for r in sorted(rows, key=lambda r: r["code"])]


def to_wgs84(*, lat: float, lng: float, datum: str) -> tuple[float, float]:
    """A point given in ``datum`` (wgs84 or gcj02) as WGS-84. Raises Invalid."""
    from tongban.common.errors import Invalid

    if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
        raise Invalid(gettext("坐标超出范围"), code="bad_coordinates")
    if datum == "wgs84":
        return lat, lng
    if datum == "gcj02":
        return gcj02_to_wgs84(lat, lng)
    raise Invalid(gettext("坐标系只能是 wgs84 或 gcj02"), code="bad_datum")


def _nearest_core(
    *,
    item_code: str | None,
    lat: float,
    lng: float,
    k: int,
    at: dt.datetime,
    kinds: frozenset[str] | None,
    datum: str,
    calendar: Callable[[dt.date], DayKind] | None,
) -> tuple[_Snapshot, list[tuple[int, dict[str, Any]]]]:
    if not 1 <= k <= 50:
        raise _bad_k()
    wlat, wlng = to_wgs84(lat=lat, lng=lng, datum=datum)
    snap = _snapshot_get()
    out = []
    for hit in snap.index.nearest(wlat, wlng, item=item_code or None, k=k, kinds=kinds):
        if calendar is None:
            period = snap.next_period(hit.key, at)
        else:
            period = snap.hours[hit.key].next_opening(at, calendar, horizon_days=14)
        out.append(
            (
                hit.key,
                {
                    "distance_m": round(hit.distance_m),
                    "walk_minutes": round_minutes(WALK.minutes(hit.distance_m)),
                    "drive_minutes": round_minutes(DRIVE.minutes(hit.distance_m)),
                    "open_now": period is not None and period[0] <= at,
                    "next_open": period[0] if period else None,
                    "next_close": period[1] if period else None,
                },
            )
        )
    return snap, out


def outlet_nearest(
    *,
    item_code: str | None,
    lat: float,
    lng: float,
    k: int = 5,
    at: dt.datetime,
    kinds: frozenset[str] | None = None,
    datum: str = "wgs84",
    calendar: Callable[[dt.date], DayKind] | None = None,
) -> list[dict[str, Any]]:
    """The ``k`` nearest active outlets that accept ``item_code`` (any outlet when None) from a
    point, nearest first, each with distance, walking and driving minutes (ADR 0006), and
    whether it is open at ``at`` or when it next opens. Raises Invalid for bad coordinates,
    datum or k."""
    snap, hits = _nearest_core(
        item_code=item_code, lat=lat, lng=lng, k=k, at=at, kinds=kinds, datum=datum, calendar=calendar
    )
    return [labelled(snap.rows[key] | extra) for key, extra in hits]


def outlet_nearest_json(
    *,
    item_code: str | None,
    lat: float,
    lng: float,
    k: int = 5,
    at: dt.datetime,
    kinds: frozenset[str] | None = None,
    datum: str = "wgs84",
) -> str:
    """``outlet_nearest`` as the API's JSON body (NearestOut). Each outlet's static fields
    were serialised once when the snapshot was built and its opening state is reused while it
    holds; the kind's name (in the request's language), distance and times are encoded per
    request. Raises as outlet_nearest."""
    if not 1 <= k <= 50:
        raise _bad_k()
    wlat, wlng = to_wgs84(lat=lat, lng=lng, datum=datum)
    snap = _snapshot_get()
    ts = at.timestamp()
    row_json = snap.row_json
    opening = snap.opening_json
    walk = WALK.minutes
    drive = DRIVE.minutes
    rows = snap.rows
    parts = [
        f'{row_json[key]}, "kind_label": {json.dumps(kind_label(rows[key]["kind"]), ensure_ascii=False)}, '
        f'"distance_m": {round(d)}, "walk_minutes": {round_minutes(walk(d))}, '
        f'"drive_minutes": {round_minutes(drive(d))}, {opening(key, at, ts)}}}'
        for key, d in snap.index.nearest(wlat, wlng, item=item_code or None, k=k, kinds=kinds)
    ]
    return f'{{"model": {_MODELS_JSON}, "datum": "wgs84+gcj02", "results": [{", ".join(parts)}]}}'


def _bad_k() -> Exception:
    from tongban.common.errors import Invalid

    return Invalid(gettext("k 须在 1–50 之间"), code="bad_k")


_MODELS_JSON = json.dumps(f"{WALK.model_name}; {DRIVE.model_name}", ensure_ascii=False)


# --- the population grid and coverage ----------------------------------------------------------

GRID_TTL = 600.0
_grid_cache: dict[float, tuple[float, PopulationGrid]] = {}


def population_points() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lat, lng, district code) of every registry person with a located address, as arrays."""
    from tongban.registry.selectors import registry_population_points

    lat: list[float] = []
    lng: list[float] = []
    dist: list[str] = []
    for a, b, c in registry_population_points():
        lat.append(a)
        lng.append(b)
        dist.append(c)
    return np.asarray(lat, dtype=np.float64), np.asarray(lng, dtype=np.float64), np.asarray(dist)


def population_grid(*, cell_m: float = 250.0) -> PopulationGrid | None:
    """The registry's population binned into ``cell_m`` cells (cached per process for ten
    minutes); None when the registry holds no located people."""
    hit = _grid_cache.get(cell_m)
    if hit is not None and time.monotonic() - hit[0] < GRID_TTL:
        return hit[1]
    lat, lng, dist = population_points()
    if lat.size == 0:
        return None
    grid = PopulationGrid.from_points(lat, lng, dist, cell_m=cell_m)
    _grid_cache[cell_m] = (time.monotonic(), grid)
    return grid


def population_grid_clear() -> None:
    _grid_cache.clear()


def outlet_coverage(
    *,
    item_code: str | None,
    mode: str = "walk",
    minutes: float = 15.0,
    grid: PopulationGrid | None = None,
    worst: int = 10,
) -> CoverageReport:
    """The 15-minute circle: share of the registry's people within ``minutes`` of an active
    outlet accepting ``item_code``, per district, with the worst-served cells.
    Raises Invalid for an unknown mode, NotFound when the registry holds no located people."""
    from tongban.common.errors import Invalid, NotFound

    try:
        travel: TravelMode = mode_named(mode)
    except KeyError:
        raise Invalid(gettext("出行方式只能是 walk 或 drive"), code="bad_mode") from None
    if not 0 < minutes <= 240:
        raise Invalid(gettext("分钟数须在 0–240 之间"), code="bad_minutes")
    g = grid if grid is not None else population_grid()
    if g is None:
        raise NotFound(
            gettext("共享库中没有带坐标的人口，请先生成演示城市"),
            code="no_population",
        )
    return coverage(g, _snapshot_get().index, mode=travel, item=item_code or None, minutes=minutes, worst=worst)


def _minutes(m: float) -> float | None:
    return None if math.isinf(m) else round(m, 1)


def outlet_coverage_summary(
    *, item_code: str | None, mode: str = "walk", minutes: float = 15.0, cells: bool = False
) -> dict[str, Any]:
    """``outlet_coverage`` as plain data for the API and the map; ``cells`` adds every
    populated cell with its travel time (the coverage layer). Raises as outlet_coverage."""
    grid = population_grid()
    report = outlet_coverage(item_code=item_code, mode=mode, minutes=minutes, grid=grid)
    grid_cells: list[dict[str, Any]] = []
    if cells and grid is not None:
        codes = grid.district_codes
        for la, ln, p, d, m in zip(
            grid.lat.tolist(),
            grid.lng.tolist(),
            grid.population.tolist(),
            grid.district.tolist(),
            report.cell_minutes.tolist(),
            strict=True,
        ):
            grid_cells.append(
                {
                    "lat": round(la, 6),
                    "lng": round(ln, 6),
                    "population": p,
                    "district": codes[d],
                    "minutes": _minutes(m),
                }
            )
    return {
        "item": report.item,
        "mode": report.mode,
        "model": report.model,
        "minutes": report.minutes,
        "population": report.population,
        "covered": report.covered,
        "share": report.share,
        "cell_m": grid.cell_m if grid is not None else 0.0,
        "districts": [
            {"district": d.district, "population": d.population, "covered": d.covered, "share": d.share}
            for d in report.districts
        ],
        "worst_cells": [
            {
                "lat": c.lat,
                "lng": c.lng,
                "population": c.population,
                "district": c.district,
                "minutes": _minutes(c.minutes),
            }
            for c in report.worst_cells
        ],
        "cells": grid_cells,
    }


def outlet_labels(*, ids: list[int] | None = None) -> dict[int, tuple[str, str, str]]:
    """(code, name, district code) of every outlet, active or not, or of those with these keys:
    the figures name outlets that may since have closed."""
    qs = Outlet.objects.all() if ids is None else Outlet.objects.filter(pk__in=ids)
    return {pk: (code, name, region) for pk, code, name, region in qs.values_list("pk", "code", "name", "region_code")}


def outlets_all() -> list[Outlet]:
    """Every outlet, active or not, by code (the staff console's list)."""
    return list(Outlet.objects.order_by("code"))
