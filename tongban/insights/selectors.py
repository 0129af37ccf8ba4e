"""Reading the figures: a period and a scope (city, district, outlet, department, item) that the
user may see, answered from the rolled-up rows in a fixed number of queries.

The scope comes from the access funnel (``access_scope`` on ``Figure``): administrators and
auditors see the whole bureau, an outlet head their outlet, a department head their department;
anyone else has no figures. A requested filter outside the user's scope is "not found".
Whole months are read from the month rows, the days around them from the day rows; a period of
at most ``DAILY_MAX`` days is read (and charted) by day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext, gettext_lazy

from tongban.common.access import access_q, access_scope
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Invalid, NotFound
from tongban.insights.facts import Robust, robust_stats
from tongban.insights.models import (
    CUBE_KEYS,
    DERIVED_KEYS,
    HIST_MAX,
    HIST_MEASURES,
    MEASURES,
    CaseFact,
    Figure,
    FigureHist,
)
from tongban.insights.services import month_start, next_month

DAILY_MAX = 62
PERIOD_MAX = 3 * 366
NO_FIGURES = gettext_lazy("没有可查看的统计数据")


@dataclass(frozen=True)
class Filters:
    """A half-open period of local days and a scope; empty fields mean "all"."""

    start: dt.date
    end: dt.date
    district: str = ""
    outlet_id: int | None = None
    department: str = ""
    item_code: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def daily(self) -> bool:
        return self.days <= DAILY_MAX

    def query(self) -> dict[str, str]:
        """The filters as URL query parameters (dates inclusive, as people pick them)."""
        q = {"start": self.start.isoformat(), "end": (self.end - dt.timedelta(days=1)).isoformat()}
        for name, value in (
            ("district", self.district),
            ("outlet", self.outlet_id),
            ("department", self.department),
            ("item", self.item_code),
        ):
            if value:
                q[name] = str(value)
        return q


def figures_scope(*, user: Any) -> dict[str, Any] | None:
    """What part of the bureau's figures the user may see: {} all, {"outlet_id": n} or
    {"department": d}; None for nothing."""
    return access_scope(user, Figure)


def filters_for(
    *,
    user: Any,
    start: dt.date,
    end: dt.date,
    district: str = "",
    outlet_id: int | None = None,
    department: str = "",
    item_code: str = "",
) -> Filters:
    """The filters to read with: the request within the user's scope (``end`` inclusive here).
    Raises NotFound (no figures for this user, or a filter outside their scope), Invalid (period)."""
    scope = figures_scope(user=user)
    if scope is None:
        raise NotFound(NO_FIGURES, code="no_figures")
    if end < start:
        raise Invalid(gettext("结束日期早于开始日期"), code="period", field="end")
    if (end - start).days + 1 > PERIOD_MAX:
        raise Invalid(gettext("统计期间最长三年"), code="period", field="start")
    mine_outlet, mine_department = scope.get("outlet_id"), scope.get("department", "")
    if mine_outlet is not None:
        if outlet_id not in (None, mine_outlet):
            raise NotFound(NO_FIGURES, code="out_of_scope")
        outlet_id = mine_outlet
    if mine_department:
        if department not in ("", mine_department):
            raise NotFound(NO_FIGURES, code="out_of_scope")
        department = mine_department
    if outlet_id is not None and district:
        from tongban.outlets.selectors import outlet_labels

        label = outlet_labels(ids=[outlet_id]).get(outlet_id)
        if label is None or label[2] != district:
            district = ""  # an outlet lies in one district: the outlet decides
    return Filters(start, end + dt.timedelta(days=1), district, outlet_id, department, item_code)


# --- the queries --------------------------------------------------------------------------------


def _spans(f: Filters) -> tuple[list[tuple[dt.date, dt.date]], tuple[dt.date, dt.date] | None]:
    """The day ranges and the month range that together cover the period exactly."""
    if f.daily:
        return [(f.start, f.end)], None
    m0 = f.start if f.start.day == 1 else next_month(f.start)
    m1 = month_start(f.end)
    if m0 >= m1:
        return [(f.start, f.end)], None
    days = [(a, b) for a, b in ((f.start, m0), (m1, f.end)) if a < b]
    return days, (m0, m1)


def _where(user: Any, f: Filters, cube: str, model: type[Any] = Figure) -> Q:
    """The rows of ``cube`` for the period and scope, within what the funnel lets ``user`` read."""
    q = _cells(f, cube)
    allowed = access_q(user, model)
    return q if allowed is None else q & allowed


def _cells(f: Filters, cube: str) -> Q:
    days, months = _spans(f)
    when = Q()
    for a, b in days:
        when |= Q(grain="d", period__gte=a, period__lt=b)
    if months is not None:
        when |= Q(grain="m", period__gte=months[0], period__lt=months[1])
    q = Q(cube=cube) & when
    for name, value in (
        ("district", f.district),
        ("outlet_id", f.outlet_id),
        ("department", f.department),
        ("item_code", f.item_code),
    ):
        if value:
            q &= Q(**{name: value})
    return q


# The cubes from the smallest to the finest, with their keys (models.CUBE_KEYS, DERIVED_KEYS).
CUBES = (*DERIVED_KEYS.items(), ("a", CUBE_KEYS["a"]), ("o", CUBE_KEYS["o"]), ("f", CUBE_KEYS["f"]))


def _filtered(f: Filters) -> set[str]:
    named = {"district": f.district, "outlet_id": f.outlet_id, "department": f.department, "item_code": f.item_code}
    return {k for k, v in named.items() if v not in ("", None)}


def cube_for(f: Filters, *by: str, hist: bool = False) -> str:
    """The smallest cube whose key holds the filters and the breakdown ``by`` (histograms: not
    ``o``, which has none)."""
    need = _filtered(f) | set(by)
    return next(c for c, key in CUBES if need <= set(key) and not (hist and c == "o"))


def _sums(names: tuple[str, ...] | list[str]) -> dict[str, Sum]:
    return {n: Sum(n) for n in names}


TREND = ("received", "rc_online", "rc_phone", "timed", "on_time", "rated", "r5", "r4", "r3")
BREAKDOWN = ("received", "rc_online", "rc_phone", "timed", "on_time", "rated", "r5", "r4", "r3", "bad")


@dataclass
class Raw:
    """The numbers of one dashboard, before formatting."""

    filters: Filters
    totals: dict[str, int]
    trend: list[dict[str, Any]]
    by_item: list[dict[str, Any]]
    by_department: list[dict[str, Any]]
    by_district: list[dict[str, Any]]
    by_outlet: list[dict[str, Any]]
    from_submission: Robust
    from_acceptance: Robust
    open_overdue: int
    followups_overdue: int
    catalog: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def _sum_sql(qs: Any, names: tuple[str, ...], key: str | None = None) -> list[tuple[Any, ...]]:
    """``SELECT [key,] SUM(name)... WHERE <qs's filter> [GROUP BY key]`` as one plain statement:
    the ORM spent more time compiling seventy SUM expressions than the database summing them."""
    from django.db import connections, router

    connection = connections[router.db_for_read(qs.model)]
    qn = connection.ops.quote_name
    where, params = qs.query.get_compiler(connection.alias).compile(qs.query.where)
    sums = ", ".join(f"SUM({qn(n)})" for n in names)
    head = f"{qn(key)}, " if key else ""
    tail = f" GROUP BY {qn(key)}" if key else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {head}{sums} FROM {qn(qs.model._meta.db_table)} WHERE {where}{tail}", params)  # noqa: S608  (names from the model)
        return cursor.fetchall()


def _grouped(qs: Any, key: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = _sum_sql(qs, names, key)
    return [{key: r[0], **{n: int(v or 0) for n, v in zip(names, r[1:], strict=True)}} for r in rows]


def _all_groupings(qs: Any, groupings: tuple[str, ...]) -> tuple[dict[str, int], dict[str, list[dict[str, Any]]]]:
    """The totals of every measure and the breakdown sums by each of ``groupings``. On
    PostgreSQL one scan (GROUP BY GROUPING SETS); elsewhere one query each."""
    from django.db import connections, router

    connection = connections[router.db_for_read(Figure)]
    if connection.vendor != "postgresql":
        totals = {k: int(v or 0) for k, v in zip(MEASURES, _sum_sql(qs, MEASURES)[0], strict=True)}
        names = TREND + tuple(n for n in BREAKDOWN if n not in TREND)
        return totals, {g: _grouped(qs, g, names) for g in groupings}
    qn = connection.ops.quote_name
    compiler = qs.query.get_compiler(connection.alias)
    where, params = compiler.compile(qs.query.where)
    dims = ", ".join(qn(g) for g in groupings)
    sums = ", ".join(f"SUM({qn(m)})" for m in MEASURES)
    sets = ", ".join(["()", *(f"({qn(g)})" for g in groupings)])
    sql = (
        f"SELECT GROUPING({dims}), {dims}, {sums} FROM {qn(Figure._meta.db_table)} "  # noqa: S608  (names from the model)
        f"WHERE {where} GROUP BY GROUPING SETS ({sets})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width = len(groupings)
    totals = dict.fromkeys(MEASURES, 0)
    groups: dict[str, list[dict[str, Any]]] = {g: [] for g in groupings}
    for row in rows:
        bits, keys, values = row[0], row[1 : 1 + width], [int(v or 0) for v in row[1 + width :]]
        measures = dict(zip(MEASURES, values, strict=True))
        if bits == (1 << width) - 1:  # every dimension rolled up: the totals
            totals = measures
            continue
        for i, g in enumerate(groupings):
            if not bits & (1 << (width - 1 - i)):
                groups[g].append({g: keys[i], **measures})
    return totals, groups


@contextmanager
def _without_jit() -> Iterator[None]:
    """On PostgreSQL, one read transaction (one snapshot: the totals and the outlet table agree
    while a refresh commits) with the JIT compiler off. A rollup statement planned above
    ``jit_above_cost`` first compiles its sums to machine code, once per parallel worker: 40-50 ms
    more for the ten-sum outlet statement, for a scan of a few thousand rows that takes a few.
    Over ten million cases the largest statements plan at three quarters of that threshold."""
    alias = router.db_for_read(Figure)
    if connections[alias].vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


# What each table of the dashboard is made of (tables.TABLE_PARTS names them per table).
PARTS = frozenset({"main", "outlet", "hist", "live"})


def figures_read(
    *, user: Any, filters: Filters, now: dt.datetime, parts: frozenset[str] = PARTS, specs: list[Any] | None = None
) -> Raw:
    """The numbers of the dashboard for these filters (already within the user's scope): of
    ``parts`` only — ``main`` (totals, trend, items, departments, districts), ``outlet``,
    ``hist`` (handling times), ``live`` (open overdue cases and follow-ups, catalog figures).
    Each part reads the smallest cube that holds its filters and breakdown; ``specs``: the
    published items when the caller has them already."""
    from tongban.catalog.selectors import catalog_figures
    from tongban.feedback.selectors import followups_overdue_count

    f = filters
    totals: dict[str, int] = dict.fromkeys(MEASURES, 0)
    groups: dict[str, list[dict[str, Any]]] = {g: [] for g in ("period", "item_code", "department", "district")}
    with _without_jit():
        if "main" in parts:
            cube = cube_for(f, "item_code", "department")
            districts = cube_for(f, "district", "department")
            main = Figure.objects.filter(_where(user, f, cube))
            if districts == cube:
                totals, groups = _all_groupings(main, ("period", "item_code", "department", "district"))
            else:
                totals, groups = _all_groupings(main, ("period", "item_code", "department"))
                by = Figure.objects.filter(_where(user, f, districts))
                groups["district"] = _grouped(by, "district", BREAKDOWN)
        by_outlet: list[dict[str, Any]] = []
        if "outlet" in parts:
            by_outlet = _grouped(
                Figure.objects.filter(_where(user, f, cube_for(f, "outlet_id"))), "outlet_id", BREAKDOWN
            )
        hist = dict.fromkeys(HIST_MEASURES, 0)
        if "hist" in parts:
            where = _where(user, f, cube_for(f, hist=True), FigureHist)
            row = _sum_sql(FigureHist.objects.filter(where), HIST_MEASURES)[0]
            hist = {k: int(v or 0) for k, v in zip(HIST_MEASURES, row, strict=True)}
        live = "live" in parts
        open_overdue = open_overdue_count(user=user, filters=f, now=now) if live else 0
        followups_overdue = (
            followups_overdue_count(
                outlet_id=f.outlet_id, department=f.department, district=f.district, item_code=f.item_code, now=now
            )
            if live
            else 0
        )
    stats = [
        robust_stats([hist[f"{k}_{v}"] for v in range(HIST_MAX + 1)], hist[f"{k}_over"], hist[f"{k}_oversum"])
        for k in ("hs", "ha")
    ]
    return Raw(
        filters=f,
        totals=totals,
        trend=groups["period"],
        by_item=groups["item_code"],
        by_department=groups["department"],
        by_district=groups["district"],
        by_outlet=by_outlet,
        from_submission=stats[0],
        from_acceptance=stats[1],
        open_overdue=open_overdue,
        followups_overdue=followups_overdue,
        catalog=catalog_figures(specs=specs) if live else None,
    )


def open_overdue_count(*, user: Any, filters: Filters, now: dt.datetime) -> int:
    """Cases still open past their running deadline now, in the scope (live, not by period)."""
    qs = CaseFact.objects.filter(open_deadline__lte=now)
    for name, value in (
        ("district", filters.district),
        ("outlet_id", filters.outlet_id),
        ("department", filters.department),
        ("item_code", filters.item_code),
    ):
        if value:
            qs = qs.filter(**{name: value})
    allowed = access_q(user, CaseFact)
    return (qs if allowed is None else qs.filter(allowed)).count()


def item_promise(*, code: str, now: dt.datetime, days: int = 365) -> dict[str, Any]:
    """The public service promise of an item (the figures a bureau publishes): its promised time
    limit and, over the last ``days`` days, the typical handling time (median and winsorised
    mean, working days from acceptance to decision), the on-time rate, the satisfaction rate and
    the number of ratings, city-wide. Raises NotFound."""
    from tongban.catalog.selectors import item_get

    spec = item_get(code=code)
    today = now.astimezone(SHANGHAI).date()
    f = Filters(today - dt.timedelta(days=days - 1), today + dt.timedelta(days=1), item_code=code)
    names = ("received", "decided", "timed", "on_time", "rated", "r5", "r4", "r3", "bad")
    cube = cube_for(f, hist=True)
    with _without_jit():
        got = Figure.objects.filter(_cells(f, cube)).order_by().aggregate(**_sums(names))
        h = FigureHist.objects.filter(_cells(f, cube)).order_by().aggregate(**_sums(HIST_MEASURES))
    h = {k: int(v or 0) for k, v in h.items()}
    accept = robust_stats([h[f"ha_{v}"] for v in range(HIST_MAX + 1)], h["ha_over"], h["ha_oversum"])
    return {"item": spec, "filters": f, "totals": {k: int(v or 0) for k, v in got.items()}, "from_acceptance": accept}
