"""Figures pages: the dashboard (a period and a scope the role may see, every chart with its
table and CSV/XLSX downloads of that very table) and the public service promise of each item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tongban.common.clock import SHANGHAI, now
from tongban.common.errors import DomainError, NotFound
from tongban.common.roles import Department
from tongban.insights.selectors import Filters, figures_read, figures_scope, filters_for, item_promise
from tongban.insights.tables import (
    TABLE_PARTS,
    Table,
    dashboard_table,
    dashboard_tables,
    rate,
    show,
    table_csv,
    table_xlsx,
)

PRESETS = ("7d", "30d", "month", "last_month", "year", "365d")


def _today() -> dt.date:
    return now().astimezone(SHANGHAI).date()


def preset_period(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """(first, last) day of a named period ending today (or last month)."""
    if preset == "7d":
        return today - dt.timedelta(days=6), today
    if preset == "month":
        return today.replace(day=1), today
    if preset == "last_month":
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    if preset == "year":
        return today.replace(month=1, day=1), today
    if preset == "365d":
        return today - dt.timedelta(days=364), today
    return today - dt.timedelta(days=29), today


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def request_filters(request: HttpRequest) -> Filters:
    """The filters a page or download asks for, within the user's scope. Raises NotFound,
    Invalid (a malformed date or outlet is a 400 with a message)."""
    from tongban.common.errors import Invalid

    g = request.GET
    first, last = preset_period(g.get("preset", "30d"), _today())
    start, end = _date(g.get("start", "")), _date(g.get("end", ""))
    if (g.get("start") and start is None) or (g.get("end") and end is None):
        raise Invalid(_("日期格式应为 年-月-日，例如 2026-11-01"), code="date")
    outlet = g.get("outlet", "")
    if outlet and not outlet.isdigit():
        raise Invalid(_("请从列表中选择网点"), code="outlet")
    department = g.get("department", "")
    if department and department not in Department.values:
        raise Invalid(_("请从列表中选择部门"), code="department")
    return filters_for(
        user=request.user,
        start=start or first,
        end=end or last,
        district=g.get("district", "")[:6],
        outlet_id=int(outlet) if outlet else None,
        department=department,
        item_code=g.get("item", "")[:48],
    )


def names_for(
    raw_rows: dict[str, list[dict[str, Any]]],
    *,
    specs: list[Any] | None = None,
    labels: dict[int, tuple[str, str, str]] | None = None,
    extra_districts: Iterable[str] = (),
) -> dict[str, dict[Any, str]]:
    """Display names of the items, outlets and districts that appear in the rows (and of
    ``extra_districts``); ``specs`` and ``labels`` when the caller already has them."""
    from tongban.catalog.selectors import items_list
    from tongban.outlets.selectors import outlet_labels
    from tongban.registry.selectors import region_names

    english = (get_language() or "").startswith("en")
    items = {s.code: (s.name_en if english else s.name_zh) for s in (items_list() if specs is None else specs)}
    outlet_ids = [r["outlet_id"] for r in raw_rows.get("outlet", []) if r["outlet_id"] is not None]
    if labels is None:
        labels = outlet_labels(ids=outlet_ids) if outlet_ids else {}
    outlets = {pk: label[1] for pk, label in labels.items()}
    codes = {r["district"] for r in raw_rows.get("district", []) if r["district"]} | set(extra_districts)
    return {"item": items, "outlet": outlets, "district": region_names(codes=sorted(codes)) if codes else {}}


def _table(request: HttpRequest, filters: Filters, key: str) -> Table | None:
    """One table, from only the figures it is made of (a download of the outlet table does not
    read the trend, the handling times or the live counts)."""
    parts = TABLE_PARTS.get(key)
    if parts is None:
        return None
    raw = figures_read(user=request.user, filters=filters, now=now(), parts=parts)
    names = names_for({"outlet": raw.by_outlet, "district": raw.by_district})
    return dashboard_table(raw, names, key)


def _choices(pairs: Iterable[tuple[Any, Any]], selected: Any, *, lang: str = "") -> str:
    """The <option>s of a filter, escaped, built here rather than in a template loop (the loops
    over two hundred outlets were 22 of the template's 28 ms a page under the profiler)."""
    extra = f' lang="{lang}"' if lang else ""
    return mark_safe(  # noqa: S308  (every value and label escaped)
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if value == selected else ""}{extra}>'
            f"{escape(str(label))}</option>"
            for value, label in pairs
        )
    )


def _options(
    request: HttpRequest, filters: Filters, specs: list[Any], labels: dict[int, Any], names: Any
) -> dict[str, Any]:
    """The choices of the filter form, limited to the user's scope."""
    scope = figures_scope(user=request.user) or {}
    if "outlet_id" in scope:
        labels = {k: v for k, v in labels.items() if k == scope["outlet_id"]}
    districts = sorted({v[2] for v in labels.values() if v[2]})
    mine = scope.get("department")
    items = [(s.code, names["item"][s.code]) for s in specs if not mine or s.department == mine]
    departments = [(d.value, d.label) for d in Department if not mine or d == mine]
    outlets = sorted(((pk, v[1]) for pk, v in labels.items()), key=lambda x: x[1])
    return {
        "outlet_choices": _choices(outlets, filters.outlet_id, lang="zh-Hans"),
        "district_choices": _choices(
            [(c, names["district"].get(c, c)) for c in districts], filters.district, lang="zh-Hans"
        ),
        "department_choices": _choices(departments, filters.department),
        "item_choices": _choices(sorted(items, key=lambda x: x[1]), filters.item_code),
        "scope_outlet": "outlet_id" in scope,
        "scope_department": bool(scope.get("department")),
    }


def _problem_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    # the filters as sent, so the person corrects the dates on this page instead of starting over
    kept = [(k, v) for k, v in request.GET.items() if k in ("district", "outlet", "department", "item") and v]
    sent = {k: request.GET.get(k, "")[:10] for k in ("start", "end")}
    return render(request, "insights/error.html", {"error": exc.message, "sent": sent, "kept": kept}, status=exc.status)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """数据看板: the figures of a period and scope, each chart with its table and downloads."""
    try:
        filters = request_filters(request)
    except DomainError as exc:
        return _problem_page(request, exc)
    from tongban.catalog.selectors import items_list
    from tongban.outlets.selectors import outlet_labels

    specs, labels = items_list(), outlet_labels()  # once for the figures' names and the filter form
    raw = figures_read(user=request.user, filters=filters, now=now(), specs=specs)
    names = names_for(
        {"outlet": raw.by_outlet, "district": raw.by_district},
        specs=specs,
        labels=labels,
        extra_districts={v[2] for v in labels.values() if v[2]},
    )
    tables = dashboard_tables(raw, names)
    empty = _("本期间没有数据")
    query = urlencode(filters.query())
    for t in tables:
        t.html = mark_safe(t.body_html(empty))  # type: ignore[attr-defined]  # noqa: S308  (escaped when built)
        t.head = mark_safe("".join(f'<th scope="col">{escape(str(label))}</th>' for _k, label in t.columns))  # type: ignore[attr-defined]  # noqa: S308
    kpi = tables[0]
    headline = dict(zip(kpi.row_keys, (row[1] for row in kpi.rows), strict=True))
    cards = [
        (_("收件量（件）"), show(headline["received"])),
        (_("网上办理占比（%）"), show(headline["online_share"])),
        (_("按时办结率（%）"), show(headline["on_time"])),
        (_("满意率（%）"), show(headline["satisfaction"])),
        (_("办理时长中位数（工作日，自受理）"), show(headline["handling_accept_median"])),
        (_("差评整改率（%）"), show(headline["rectified"])),
    ]
    return render(
        request,
        "insights/dashboard.html",
        {
            "filters": filters,
            "query": query,
            "tables": tables,
            "cards": cards,
            "charts": {t.key: {"title": t.title, **t.as_dict()} for t in tables if t.chart},
            "presets": [
                ("7d", _("近7天")),
                ("30d", _("近30天")),
                ("month", _("本月")),
                ("last_month", _("上月")),
                ("year", _("今年")),
                ("365d", _("近一年")),
            ],
            "end_inclusive": filters.end - dt.timedelta(days=1),
            **_options(request, filters, specs, labels, names),
        },
    )


@login_required
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One table of the dashboard as CSV or XLSX: the rows the page shows for the same query."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    try:
        filters = request_filters(request)
    except DomainError as exc:
        return _problem_page(request, exc)
    chosen = _table(request, filters, table)
    if chosen is None:
        raise Http404
    name = f"tongban-{table}-{filters.start:%Y%m%d}-{(filters.end - dt.timedelta(days=1)):%Y%m%d}"
    if fmt == "csv":
        response = HttpResponse(table_csv(chosen), content_type="text/csv; charset=utf-8")
    else:
        period = f"{filters.start} – {filters.end - dt.timedelta(days=1)}"
        response = HttpResponse(
            table_xlsx(chosen, subtitle=period),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


def promise_index(request: HttpRequest) -> HttpResponse:
    """服务承诺: every item with its promised time limit and a link to its published figures,
    grouped by department (public)."""
    from tongban.catalog.selectors import items_list
    from tongban.catalog.templatetags.catalog_tags import time_limit

    english = (get_language() or "").startswith("en")
    specs = items_list()
    groups = []
    for value, label in Department.choices:
        rows = sorted(
            (
                (s.code, s.name_en if english else s.name_zh, time_limit(s.promised_limit))
                for s in specs
                if s.department == value
            ),
            key=lambda row: row[1],
        )
        if rows:
            groups.append({"department": value, "label": label, "items": rows})
    return render(request, "insights/promise_index.html", {"groups": groups})


def promise(request: HttpRequest, code: str) -> HttpResponse:
    """One item's service promise: promised time, typical handling time, satisfaction (public)."""
    try:
        p = item_promise(code=code, now=now())
    except NotFound:
        raise Http404 from None
    t = p["totals"]
    spec = p["item"]
    r = p["from_acceptance"]
    unit = {"working_days": _("个工作日"), "working_hours": _("个工作小时")}.get(spec.promised_limit.unit, "")
    english = (get_language() or "").startswith("en")
    return render(
        request,
        "insights/promise.html",
        {
            "item": spec,
            "name": spec.name_en if english else spec.name_zh,
            "promised": f"{spec.promised_limit.value} {unit}",
            "median": show(None if r.median is None else round(r.median, 1)),
            "winsorised": show(None if r.winsorised_mean is None else round(r.winsorised_mean, 1)),
            "decided": r.n,
            "on_time": show(rate(t["on_time"], t["timed"])),
            "satisfaction": show(rate(t["r5"] + t["r4"] + t["r3"], t["rated"])),
            "rated": t["rated"],
            "start": p["filters"].start,
            "end": p["filters"].end - dt.timedelta(days=1),
        },
    )
