"""Figures endpoints: the dashboard's tables for a period and scope (the same rows as the page and
its downloads), and an item's public service promise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from tongban.common.clock import SHANGHAI, now
from tongban.common.params import RowId
from tongban.common.roles import Department
from tongban.insights.selectors import figures_read, filters_for, item_promise
from tongban.insights.tables import dashboard_tables, rate
from tongban.insights.views import names_for, preset_period

router = Router(tags=["insights 数据看板"])


class FiguresQuery(Schema):
    start: dt.date | None = Field(default=None, description="first day (local); default: 30 days ago")
    end: dt.date | None = Field(default=None, description="last day, inclusive; default: today")
    district: str = Field(default="", max_length=6, pattern=r"^\d{0,6}$")
    outlet: RowId | None = None
    department: str = Field(default="", pattern=r"^(|" + "|".join(Department.values) + ")$")
    item: str = Field(default="", max_length=48, pattern=r"^[a-z0-9_]*$")


class TableOut(Schema):
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    chart: dict[str, Any]
    note: str
    row_keys: list[str] = []


class FiguresOut(Schema):
    start: dt.date
    end: dt.date
    district: str
    outlet: int | None
    department: str
    item: str
    tables: list[TableOut]


@router.get("/figures", response=FiguresOut, summary="Figures of a period and scope (the dashboard's tables)")
def figures(request: HttpRequest, q: Query[FiguresQuery]) -> dict[str, Any]:
    first, last = preset_period("30d", now().astimezone(SHANGHAI).date())
    f = filters_for(
        user=request.user,
        start=q.start or first,
        end=q.end or last,
        district=q.district,
        outlet_id=q.outlet,
        department=q.department,
        item_code=q.item,
    )
    raw = figures_read(user=request.user, filters=f, now=now())
    tables = dashboard_tables(raw, names_for({"outlet": raw.by_outlet, "district": raw.by_district}))
    return {
        "start": f.start,
        "end": f.end - dt.timedelta(days=1),
        "district": f.district,
        "outlet": f.outlet_id,
        "department": f.department,
        "item": f.item_code,
        "tables": [t.as_dict() for t in tables],
    }


class PromiseOut(Schema):
    code: str
    name_zh: str
    name_en: str
    promised_limit: dict[str, Any]
    start: dt.date
    end: dt.date
    decided: int
    median_working_days: float | None
    winsorised_mean_working_days: float | None
    on_time_rate: float | None
    satisfaction_rate: float | None
    ratings: int


@router.get("/promise/{code}", response=PromiseOut, auth=None, summary="An item's service promise (public)")
def promise(request: HttpRequest, code: str) -> dict[str, Any]:
    p = item_promise(code=code, now=now())
    spec, t, r = p["item"], p["totals"], p["from_acceptance"]
    return {
        "code": spec.code,
        "name_zh": spec.name_zh,
        "name_en": spec.name_en,
        "promised_limit": {"value": spec.promised_limit.value, "unit": spec.promised_limit.unit},
        "start": p["filters"].start,
        "end": p["filters"].end - dt.timedelta(days=1),
        "decided": r.n,
        "median_working_days": None if r.median is None else round(r.median, 1),
        "winsorised_mean_working_days": None if r.winsorised_mean is None else round(r.winsorised_mean, 1),
        "on_time_rate": rate(t["on_time"], t["timed"]),
        "satisfaction_rate": rate(t["r5"] + t["r4"] + t["r3"], t["rated"]),
        "ratings": t["rated"],
    }
