"""The day and month rows of the figures (``Figure``, ``FigureHist``) from the case facts and the
ratings. A cell's counts are one list in the order of ``ALL`` (the measures, then the histogram
bins); the cubes are sums of the finest one (the coarse ones summed in the database from ``a``);
rows are written with COPY on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, Q, Sum

from tongban.common.clock import SHANGHAI
from tongban.insights.models import (
    CUBE_KEYS,
    DERIVED_KEYS,
    HIST_MAX,
    HIST_MEASURES,
    KEY,
    MEASURES,
    RATING_MEASURES,
    CaseFact,
    Figure,
    FigureHist,
)

ALL = (*MEASURES, *HIST_MEASURES)
INDEX = {name: i for i, name in enumerate(ALL)}
Cells = dict[tuple[Any, ...], list[int]]  # (period, outlet, district, department, item) -> counts


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _n(**flt: Any) -> Count:
    return Count("pk", filter=Q(**flt)) if flt else Count("pk")


def _fact_queries() -> list[tuple[str, dict[str, Any]]]:
    """(the day a measure counts on, the measures and how to count them over the facts)."""
    hist: dict[str, Any] = {}
    for kind, field in (("hs", "wd_submit"), ("ha", "wd_accept")):
        hist |= {f"{kind}_{v}": _n(**{field: v}) for v in range(HIST_MAX + 1)}
        hist[f"{kind}_over"] = _n(**{f"{field}__gt": HIST_MAX})
        hist[f"{kind}_oversum"] = Sum(field, filter=Q(**{f"{field}__gt": HIST_MAX}))
    return [
        (
            "submitted_day",
            {
                "received": _n(),
                **{f"rc_{c}": _n(channel=c) for c in ("online", "window", "kiosk", "phone")},
                "id_card_only": _n(id_card_only=True),
                "zero_materials": _n(zero_materials=True),
            },
        ),
        ("accepted_day", {"accepted": _n()}),
        ("decided_day", {"decided": _n(), "timed": _n(on_time__isnull=False), "on_time": _n(on_time=True), **hist}),
        (
            "closed_day",
            {
                "completed": _n(status="completed"),
                "withdrawn": _n(status="withdrawn"),
                "refused": _n(status="refused_at_intake"),
                "visits": Sum("visits", filter=Q(status="completed")),
                "one_visit": _n(status="completed", visits__lte=1),
                "window_timed": Sum("window_timed"),
                "window_seconds": Sum("window_seconds"),
            },
        ),
    ]


def _add(cells: Cells, key: tuple[Any, ...], names: Sequence[str], values: Sequence[Any]) -> None:
    cell = cells.get(key)
    if cell is None:
        cell = cells[key] = [0] * len(ALL)
    for name, value in zip(names, values, strict=True):
        if value:
            cell[INDEX[name]] += int(value)


def fact_cells(d0: dt.date, d1: dt.date) -> Cells:
    """The case counts of every (day, outlet, district, department, item) in ``[d0, d1)``."""
    cells: Cells = {}
    for day_field, measures in _fact_queries():
        names = list(measures)
        # Annotations get a prefix: some measures share a name with a fact column (visits...).
        rows = (
            CaseFact.objects.order_by()
            .filter(**{f"{day_field}__gte": d0, f"{day_field}__lt": d1})
            .values(day_field, *KEY)
            .annotate(**{f"m_{name}": expr for name, expr in measures.items()})
            .values_list(day_field, *KEY, *(f"m_{n}" for n in names))
        )
        width = 1 + len(KEY)
        for r in rows:
            _add(cells, tuple(r[:width]), names, r[width:])
    return cells


def rating_cells(d0: dt.date, d1: dt.date, cells: Cells) -> None:
    """Add the ratings given in ``[d0, d1)`` (and their follow-ups) to ``cells``."""
    from tongban.feedback.selectors import rating_figures

    start = dt.datetime.combine(d0, dt.time(0), SHANGHAI)
    end = dt.datetime.combine(d1, dt.time(0), SHANGHAI)
    for r in rating_figures(start=start, end=end):
        key = (r["day"], r["outlet_id"], r["district"] or "", r["department"] or "", r["item_code"] or "")
        _add(cells, key, RATING_MEASURES, [r[n] for n in RATING_MEASURES])


def _cube_rows(cells: Cells, grain: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows (cube, grain, period, outlet, district, department, item, counts...) of the three
    cubes for Figure, and of ``f`` and ``a`` for FigureHist; all-zero rows are left out."""
    figures: list[tuple[Any, ...]] = []
    hists: list[tuple[Any, ...]] = []
    split = len(MEASURES)
    positions = {cube: [KEY.index(k) for k in key] for cube, key in CUBE_KEYS.items()}
    for cube, pos in positions.items():
        rolled: Cells = {}
        if cube == "f":
            rolled = cells
        else:
            for (period, *rest), values in cells.items():
                k = (period, *(rest[i] for i in pos))
                have = rolled.get(k)
                rolled[k] = values[:] if have is None else [a + b for a, b in zip(have, values, strict=True)]
        for (period, *rest), values in rolled.items():
            dims: list[Any] = [None, "", "", ""]
            for i, v in zip(pos, rest, strict=True):
                dims[i] = v
            head = (cube, grain, period, *dims)
            if any(values[:split]):
                figures.append((*head, *values[:split]))
            if cube != "o" and any(values[split:]):
                hists.append((*head, *values[split:]))
    return figures, hists


_HEAD = ("cube", "grain", "period", *KEY)


def _write(model: type[Any], names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    columns = [*_HEAD, *names]
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    table = qn(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Elsewhere one prepared INSERT for every row: bulk_create compiles each value of each
        # of a hundred columns through the ORM, which took minutes for the demo's few months.
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # noqa: S608  (names from the model)


def _delete(grain: str, d0: dt.date, d1: dt.date) -> None:
    Figure.objects.filter(grain=grain, period__gte=d0, period__lt=d1).delete()
    FigureHist.objects.filter(grain=grain, period__gte=d0, period__lt=d1).delete()


def derive_coarse(grain: str, d0: dt.date, d1: dt.date) -> None:
    """The rows of the coarse cubes (``DERIVED_KEYS``) of ``grain`` in ``[d0, d1)``: sums of the
    ``a`` rows, in one statement per cube and table (INSERT ... SELECT ... GROUP BY)."""
    qn = connection.ops.quote_name
    for cube, key in DERIVED_KEYS.items():
        dims = ", ".join(qn(k) for k in key)
        picked = ", ".join(qn(k) if k in key else ("NULL" if k == "outlet_id" else "''") for k in KEY)
        for model, names in ((Figure, MEASURES), (FigureHist, HIST_MEASURES)):
            table = qn(model._meta.db_table)
            head = ", ".join(qn(c) for c in _HEAD)
            cols = ", ".join(qn(n) for n in names)
            sums = ", ".join(f"SUM({qn(n)})" for n in names)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} ({head}, {cols}) "  # noqa: S608  (names from the model)
                    f"SELECT %s, {qn('grain')}, {qn('period')}, {picked}, {sums} FROM {table} "
                    f"WHERE {qn('cube')} = 'a' AND {qn('grain')} = %s AND {qn('period')} >= %s "
                    f"AND {qn('period')} < %s GROUP BY {qn('grain')}, {qn('period')}, {dims}",
                    [cube, grain, d0, d1],
                )


def rebuild_range(d0: dt.date, d1: dt.date) -> None:
    """The day rows of every day in ``[d0, d1)`` from the facts and the ratings."""
    cells = fact_cells(d0, d1)
    rating_cells(d0, d1, cells)
    figures, hists = _cube_rows(cells, "d")
    _delete("d", d0, d1)
    _write(Figure, MEASURES, figures)
    _write(FigureHist, HIST_MEASURES, hists)
    derive_coarse("d", d0, d1)


def rebuild_month(m0: dt.date) -> None:
    """The month rows of the month starting ``m0``: sums of its day rows, in one statement per
    table (INSERT ... SELECT ... GROUP BY)."""
    m1 = next_month(m0)
    _delete("m", m0, m1)
    qn = connection.ops.quote_name
    keys = ", ".join(qn(k) for k in ("cube", *KEY))
    for model, names in ((Figure, MEASURES), (FigureHist, HIST_MEASURES)):
        table = qn(model._meta.db_table)
        sums = ", ".join(f"SUM({qn(n)})" for n in names)
        cols = ", ".join(qn(n) for n in names)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({qn('grain')}, {qn('period')}, {keys}, {cols}) "  # noqa: S608  (names from the model)
                f"SELECT 'm', %s, {keys}, {sums} FROM {table} "
                f"WHERE {qn('grain')} = 'd' AND {qn('period')} >= %s AND {qn('period')} < %s GROUP BY {keys}",
                [m0, m0, m1],
            )
