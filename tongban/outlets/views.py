"""Outlet pages: the service map (电子地图) and the nearest-outlets partial (一键导办)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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

    english = (get_language() or "").startswith("en")
    return [{"code": i.code, "name": (i.name_en if english and i.name_en else i.name_zh)} for i in items_list()]


def map_texts() -> dict[str, Any]:
    """The map script's texts in this request's language (built per request, never kept)."""
    return {
        "zoom_in": _("放大"),
        "zoom_out": _("缩小"),
        "basemap_failed": _("底图无法加载，网点仍按位置显示。"),
        "book": _("预约办理"),
        "extended": _("延时服务"),
        "home_visit": _("可上门"),
        "outlets_count": _("共 {n} 个网点。点击地图可设置出发位置。"),
        "start": _("出发位置"),
        "no_geo": _("浏览器不支持定位"),
        "no_location": _("无法获取位置"),
        "computing": _("计算中…"),
        "not_available": _("无法计算"),
        "within15": _("≤ 15 分钟"),
        "none": _("无网点"),
        "coverage": _("{share}% 的人口在 {minutes} 分钟内可达（{covered} / {population}）。"),
        "kinds": {value: str(label) for value, label in OutletKind.choices},
    }


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
        "t": map_texts(),
        "lang": "en" if (get_language() or "").startswith("en") else "zh-CN",
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
    for o in results:
        # A kiosk open 00:00-24:00 "closes" at midnight only to open again: say it is open all day.
        o["all_day"] = bool(o["open_now"] and o["next_close"] - o["next_open"] >= dt.timedelta(days=1))
    context = {
        "results": results,
        "item": item,
        "error": error,
        "lat": lat,
        "lng": lng,
        "from_default": "lat" not in request.GET,
    }
    return render(request, "outlets/partials/nearest_list.html", context)
