"""Outlet pages: the service map (电子地图) and the nearest-outlets partial (一键导办)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tongban.common.clock import now
from tongban.common.errors import DomainError
from tongban.outlets.models import OutletKind
from tongban.outlets.selectors import outlet_nearest

CITY_CENTRE = (30.2741, 120.1551)  # 杭州 西湖 (WGS-84): the default "where am I"

_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
    "&TILECOL={x}&tk="
)


def tile_config() -> dict[str, Any]:
    """The basemap from settings: ``none`` (default; markers on a plain background, works
    offline), ``osm``, ``tianditu`` (天地图, CGCS2000 ≈ WGS-84, needs TONGBAN_TIANDITU_KEY) or
    ``gcj02`` (any GCJ-02 basemap at TONGBAN_MAP_TILES_URL: markers are shifted to GCJ-02).
    TONGBAN_MAP_TILES_URL overrides the URL of osm and tianditu too."""
    kind = getattr(settings, "MAP_TILES", "none")
    url = getattr(settings, "MAP_TILES_URL", "")
    if kind == "osm":
        return {
            "kind": kind,
            "datum": "wgs84",
            "layers": [url or "https://tile.openstreetmap.org/{z}/{x}/{y}.png"],
            "attribution": "© OpenStreetMap contributors",
            "subdomains": "abc",
        }
    if kind == "tianditu":
        key = getattr(settings, "TIANDITU_KEY", "")
        layers = [url] if url else [_TIANDITU.replace("{layer}", layer) + key for layer in ("vec", "cva")]
        return {"kind": kind, "datum": "wgs84", "layers": layers, "attribution": "© 天地图", "subdomains": "01234567"}
    if kind == "gcj02" and url:
        return {"kind": kind, "datum": "gcj02", "layers": [url], "attribution": "", "subdomains": "1234"}
    return {"kind": "none", "datum": "wgs84", "layers": [], "attribution": "", "subdomains": ""}


def _items() -> list[dict[str, str]]:
    from tongban.catalog.selectors import items_list

    return [{"code": i.code, "name": i.name_zh} for i in items_list()]


def service_map(request: HttpRequest) -> HttpResponse:
    """The service map: outlets by item and kind, nearest outlets, the 15-minute layer."""
    items = _items()
    item = request.GET.get("item", "")
    kind = request.GET.get("kind", "")
    config = {
        "tiles": tile_config(),
        "centre": CITY_CENTRE,
        "api": "/api/v1/outlets/",
        "book": "/appointments/book/",
        "item": item,
        "kind": kind,
    }
    context = {
        "items": items,
        "kinds": OutletKind.choices,
        "item": item,
        "kind": kind,
        "config": config,
        "lat": CITY_CENTRE[0],
        "lng": CITY_CENTRE[1],
    }
    return render(request, "outlets/map.html", context)


def _float(value: str | None, default: float) -> float:
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        return default


def nearest_partial(request: HttpRequest) -> HttpResponse:
    """The nearest outlets for an item from a point (htmx partial of the map and the item
    guide's 一键导办 block)."""
    item = request.GET.get("item", "")
    kind = request.GET.get("kind", "")
    lat = _float(request.GET.get("lat"), CITY_CENTRE[0])
    lng = _float(request.GET.get("lng"), CITY_CENTRE[1])
    error = ""
    results: list[dict[str, Any]] = []
    try:
        results = outlet_nearest(
            item_code=item or None,
            lat=lat,
            lng=lng,
            k=5,
            at=now(),
            kinds=frozenset({kind}) if kind else None,
            datum=request.GET.get("datum", "wgs84"),
        )
    except DomainError as exc:
        error = exc.message
    context = {
        "results": results,
        "item": item,
        "error": error,
        "lat": lat,
        "lng": lng,
        "from_default": "lat" not in request.GET,
    }
    return render(request, "outlets/partials/nearest_list.html", context)
