"""Outlet endpoints (public): the map's outlets, nearest outlets for an item, coverage."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import pydantic
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.errors import ValidationError

from tongban.common.clock import now
from tongban.common.params import MAX_COUNT
from tongban.outlets.schemas import CoverageOut, NearestOut, OutletOut
from tongban.outlets.selectors import (
    labelled,
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
    k: int = Field(5, ge=0, le=MAX_COUNT)  # 0 reaches the service, which explains (400)
    kinds: str = ""  # comma-separated OutletKind values
    datum: str = "wgs84"


# An ASCII query string of ``name=value`` pairs without escapes means exactly what it says,
# and plain decimals read the same with float()/int() as through pydantic; everything else
# (escapes, repeated names, other number forms, malformed values) takes the full path.
_DECIMAL = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,15})?")
_COUNT = re.compile(r"[0-9]{1,3}")
_FIELDS = frozenset(NearestQuery.model_fields)


class _Nearest(NamedTuple):
    """NearestQuery's values (a tuple: building a pydantic model, even unvalidated, costs more)."""

    lat: float
    lng: float
    item: str
    k: int
    kinds: str
    datum: str


def _nearest_query(request: HttpRequest) -> _Nearest:
    """The nearest-outlet query parameters; a malformed value raises ValidationError (422),
    exactly as ninja's ``Query[NearestQuery]`` would."""
    raw = request.META.get("QUERY_STRING", "")
    pairs = [p.partition("=") for p in raw.split("&") if p]
    data = {name: value for name, _, value in pairs}
    if (
        len(data) == len(pairs)
        and raw.isascii()
        and "%" not in raw
        and "+" not in raw
        and _DECIMAL.fullmatch(data.get("lat", ""))
        and _DECIMAL.fullmatch(data.get("lng", ""))
        and _COUNT.fullmatch(data.get("k", "5"))
    ):
        return _Nearest(
            float(data["lat"]),
            float(data["lng"]),
            data.get("item", ""),
            int(data.get("k", "5")),
            data.get("kinds", ""),
            data.get("datum", "wgs84"),
        )
    try:
        q = NearestQuery.model_validate({k: v for k, v in request.GET.items() if k in _FIELDS})
    except pydantic.ValidationError as exc:
        errors = []
        for e in exc.errors(include_url=False):
            e["loc"] = ("query", *e["loc"])
            e.pop("input", None)  # type: ignore[misc]  # ninja drops the echoed input too
            errors.append(dict(e))
        raise ValidationError(errors) from None
    return _Nearest(q.lat, q.lng, q.item, q.k, q.kinds, q.datum)


def _query_parameters(model: type[Schema]) -> list[dict[str, Any]]:
    """The OpenAPI parameters ninja writes for ``Query[model]`` (so the snapshot is unchanged)."""
    types = {float: "number", int: "integer", str: "string"}
    out = []
    for name, f in model.model_fields.items():
        schema: dict[str, Any] = {"title": f.title or name.title(), "type": types[f.annotation]}  # type: ignore[index]
        if not f.is_required():
            schema = {"default": f.default} | schema
        for bound in f.metadata:  # ge/le from Field(...): the same keywords pydantic writes
            for attr, key in (("ge", "minimum"), ("le", "maximum")):
                if getattr(bound, attr, None) is not None:
                    schema[key] = getattr(bound, attr)
        out.append({"in": "query", "name": name, "required": f.is_required(), "schema": schema})
    return out


@router.get("/nearest", response=NearestOut, auth=None, openapi_extra={"parameters": _query_parameters(NearestQuery)})
def nearest(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The nearest active outlets that accept an item, with distance, walking and driving
    minutes and opening state. ``datum=gcj02`` takes a point picked on a Chinese map."""
    # The hottest endpoint skips ninja's generic parameter and response handling: the query
    # is read by _nearest_query, and the selector writes the NearestOut shape directly into
    # ninja's own response object (re-validating every field would cost more than the search).
    q = _nearest_query(request)
    kinds = frozenset(k for k in q.kinds.split(",") if k) or None
    response.content = outlet_nearest_json(
        item_code=q.item or None, lat=q.lat, lng=q.lng, k=q.k, at=now(), kinds=kinds, datum=q.datum
    )
    return response


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
    return labelled(outlet_row(outlet, sorted(i.item_code for i in outlet.items.all())))
