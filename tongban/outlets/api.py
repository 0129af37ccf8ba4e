"""Outlet endpoints (public): the map's outlets, nearest outlets for an item, coverage."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from tongban.common.clock import now
from tongban.outlets.schemas import CoverageOut, NearestOut, OutletOut
from tongban.outlets.selectors import (
    outlet_coverage_summary,
    outlet_get,
    outlet_nearest_json,
    outlet_row,
    outlet_rows,
)

router = Router(tags=["outlets 网点"])


class NearestQuery(Schema):
    lat: float
    lng: float
    item: str = ""
    k: int = 5
    kinds: str = ""  # comma-separated OutletKind values
    datum: str = "wgs84"


@router.get("/nearest", response=NearestOut, auth=None)
def nearest(request: HttpRequest, q: Query[NearestQuery]) -> HttpResponse:
    """The nearest active outlets that accept an item, with distance, walking and driving
    minutes and opening state. ``datum=gcj02`` takes a point picked on a Chinese map."""
    kinds = frozenset(k for k in q.kinds.split(",") if k) or None
    # The selector writes the NearestOut shape directly: re-validating every field of the
    # hottest endpoint would cost more than the search (NearestOut still documents it).
    body = outlet_nearest_json(
        item_code=q.item or None, lat=q.lat, lng=q.lng, k=q.k, at=now(), kinds=kinds, datum=q.datum
    )
    return HttpResponse(body, content_type="application/json")


@router.get("/", response=list[OutletOut], auth=None)
def outlets(request: HttpRequest, item: str = "", kind: str = "") -> list[dict[str, Any]]:
    """Every active, located outlet (for the map), optionally only those accepting ``item``
    or of ``kind``."""
    return outlet_rows(item_code=item or None, kind=kind or None)


@router.get("/coverage", response=CoverageOut, auth=None)
def coverage(
    request: HttpRequest, item: str = "", mode: str = "walk", minutes: float = 15.0, cells: bool = False
) -> dict[str, Any]:
    """The 15-minute circle for an item over the registry's population grid; ``cells=true``
    adds every populated cell with its travel time (the map's coverage layer)."""
    return outlet_coverage_summary(item_code=item or None, mode=mode, minutes=minutes, cells=cells)


@router.get("/{code}", response=OutletOut, auth=None)
def outlet_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """One outlet by code."""
    outlet = outlet_get(code=code)
    return outlet_row(outlet, sorted(i.item_code for i in outlet.items.all()))
