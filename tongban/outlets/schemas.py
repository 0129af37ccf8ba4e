"""Outlet API shapes."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class OutletOut(Schema):
    """An outlet as the map and the API show it: WGS-84 and GCJ-02 both."""

    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    region_code: str
    address: str
    phone: str
    lat: float
    lng: float
    lat_gcj02: float
    lng_gcj02: float
    extended_hours: bool
    home_visit: bool
    bookable: bool
    items: list[str]


class NearestOutlet(OutletOut):
    """One answer of the nearest-outlet search."""

    distance_m: int
    walk_minutes: int
    drive_minutes: int
    open_now: bool
    next_open: dt.datetime | None
    next_close: dt.datetime | None


class NearestOut(Schema):
    model: str
    datum: str
    results: list[NearestOutlet]


class DistrictCoverageOut(Schema):
    district: str
    population: int
    covered: int
    share: float


class CellOut(Schema):
    lat: float
    lng: float
    population: int
    district: str
    minutes: float | None


class CoverageOut(Schema):
    item: str
    mode: str
    model: str
    minutes: float
    population: int
    covered: int
    share: float
    cell_m: float
    districts: list[DistrictCoverageOut]
    worst_cells: list[CellOut]
    cells: list[CellOut]
