"""Keeping the figures up to date: case facts from the case history, then the day and month rows
of every day whose cases or ratings changed (docs/adr/0008-figures-rollups.md).

``figures_refresh`` is incremental and idempotent (run it from the task worker or cron every few
minutes): it reads the case history and the rating history past its marks, recomputes the fact
of every case that moved, and rebuilds only the days (and their months) whose numbers changed.
``figures_rebuild`` builds everything from scratch (first install, after a rule change).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from tongban.audit.services import audit_record
from tongban.insights.facts import WorkdayIndex, fact_of
from tongban.insights.models import (
    CUBE_KEYS,
    HIST_MAX,
    HIST_MEASURES,
    KEY,
    MEASURES,
    RATING_MEASURES,
    CaseFact,
    Figure,
    FigureHist,
    RefreshState,
)
from tongban.workdays.calendar import SHANGHAI
from tongban.workdays.selectors import calendar_get

# History rows are numbered when written but may commit out of that order; each refresh reads
# this many rows before its mark again. Re-reading a case whose fact did not change costs a
# comparison, nothing more; a rating's day is rebuilt again.
CASE_OVERLAP = 2000
RATING_OVERLAP = 200
BATCH = 50_000
FACT_FIELDS = [f.attname for f in CaseFact._meta.concrete_fields]
_DAYS = ("submitted_day", "accepted_day", "decided_day", "closed_day")


@dataclass(frozen=True)
class RefreshReport:
    cases: int  # facts that changed
    days: int  # days rebuilt
    seconds: float


# --- facts -----------------------------------------------------------------------------------------


def _checkins(sources: list[Any]) -> dict[tuple[int, int, dt.date], list[dt.datetime]]:
    from tongban.appointments.selectors import checkins_of

    users = sorted({s.applicant_id for s in sources if s.window_moves and s.applicant_id is not None})
    moves = [at for s in sources for at, _o in s.window_moves]
    if not users or not moves:
        return {}
    start = dt.datetime.combine(min(moves).astimezone(SHANGHAI).date(), dt.time(0), SHANGHAI)
    end = max(moves) + dt.timedelta(seconds=1)
    out: dict[tuple[int, int, dt.date], list[dt.datetime]] = defaultdict(list)
    for chunk in range(0, len(users), 5000):
        for user_id, outlet_id, at in checkins_of(user_ids=users[chunk : chunk + 5000], start=start, end=end):
            out[(user_id, outlet_id, at.astimezone(SHANGHAI).date())].append(at)
    return out


def _fact_rows(sources: list[Any]) -> list[dict[str, Any]]:
    from tongban.outlets.selectors import outlet_labels

    workdays = WorkdayIndex(calendar_get())
    districts = {pk: label[2] for pk, label in outlet_labels().items()}
    checkins = _checkins(sources)
    return [fact_of(s, workdays=workdays, outlet_districts=districts, checkins=checkins) for s in sources]


def _write_facts(rows: list[dict[str, Any]], *, fresh: bool) -> None:
    """Insert (``fresh``: none exists yet) or insert-or-update these fact rows."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        table = qn(CaseFact._meta.db_table)
        cols = ", ".join(qn(c) for c in FACT_FIELDS)
        with connection.cursor() as cursor:
            target = table
            if not fresh:
                cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS fact_load (LIKE {table}) ON COMMIT DROP")
                cursor.execute("TRUNCATE fact_load")
                target = "fact_load"
            with cursor.cursor.copy(f"COPY {target} ({cols}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row([r[c] for c in FACT_FIELDS])
            if not fresh:
                sets = ", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in FACT_FIELDS if c != "case_id")
                cursor.execute(
                    f"INSERT INTO {table} ({cols}) SELECT {cols} FROM fact_load "  # noqa: S608  (names from the model)
                    f"ON CONFLICT ({qn('case_id')}) DO UPDATE SET {sets}"
                )
        return
    objs = [CaseFact(**r) for r in rows]
    if fresh:
        CaseFact.objects.bulk_create(objs, batch_size=500)
    else:
        CaseFact.objects.bulk_create(
            objs,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["case"],
            update_fields=[c for c in FACT_FIELDS if c != "case_id"],
        )


def facts_update(*, ids: list[int]) -> tuple[int, set[dt.date]]:
    """Recompute the facts of these cases; write those that changed. Returns how many changed and
    the local days whose figures they touch (before and after)."""
    from tongban.cases.selectors import case_fact_sources

    days: set[dt.date] = set()
    count = 0
    step = 20_000 if connection.vendor == "postgresql" else 400
    for i in range(0, len(ids), step):
        chunk = ids[i : i + step]
        new = _fact_rows(case_fact_sources(ids=chunk))
        old = {r["case_id"]: r for r in CaseFact.objects.filter(case_id__in=chunk).values(*FACT_FIELDS)}
        changed = [r for r in new if old.get(r["case_id"]) != r]
        for r in changed:
            for row in (r, old.get(r["case_id"])):
                if row is not None:
                    days.update(row[d] for d in _DAYS if row[d] is not None)
        _write_facts(changed, fresh=False)
        count += len(changed)
    return count, days


# --- day and month rows ------------------------------------------------------------------------------


def _n(expr: Any = "pk", **flt: Any) -> Count:
    return Count(expr, filter=Q(**flt)) if flt else Count(expr)


def _fact_cells(d0: dt.date, d1: dt.date) -> dict[tuple[Any, ...], dict[str, int]]:
    """The case counts of every (day, outlet, district, department, item) in ``[d0, d1)``."""
    cells: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    facts = CaseFact.objects.order_by()

    def add(day_field: str, annotations: dict[str, Any]) -> None:
        # Annotations get a prefix: some measures share a name with a fact column (visits...).
        rows = (
            facts.filter(**{f"{day_field}__gte": d0, f"{day_field}__lt": d1})
            .values(day_field, *KEY)
            .annotate(**{f"m_{name}": expr for name, expr in annotations.items()})
        )
        for r in rows:
            cell = cells[(r[day_field], *(r[k] for k in KEY))]
            for name in annotations:
                cell[name] += int(r[f"m_{name}"] or 0)

    add(
        "submitted_day",
        {
            "received": _n(),
            **{f"rc_{c}": _n(channel=c) for c in ("online", "window", "kiosk", "phone")},
            "id_card_only": _n(id_card_only=True),
            "zero_materials": _n(zero_materials=True),
        },
    )
    add("accepted_day", {"accepted": _n()})
    hist: dict[str, Any] = {}
    for kind, field in (("hs", "wd_submit"), ("ha", "wd_accept")):
        hist |= {f"{kind}_{v}": _n(**{field: v}) for v in range(HIST_MAX + 1)}
        hist[f"{kind}_over"] = _n(**{f"{field}__gt": HIST_MAX})
        hist[f"{kind}_oversum"] = Sum(field, filter=Q(**{f"{field}__gt": HIST_MAX}))
    add(
        "decided_day",
        {"decided": _n(), "timed": _n(on_time__isnull=False), "on_time": _n(on_time=True), **hist},
    )
    add(
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
    )
    return cells


def _rating_cells(d0: dt.date, d1: dt.date, cells: dict[tuple[Any, ...], dict[str, int]]) -> None:
    from tongban.feedback.selectors import rating_figures

    start = dt.datetime.combine(d0, dt.time(0), SHANGHAI)
    end = dt.datetime.combine(d1, dt.time(0), SHANGHAI)
    for r in rating_figures(start=start, end=end):
        cell = cells[(r["day"], *(r[k] or ("" if k != "outlet_id" else None) for k in KEY))]
        for name in RATING_MEASURES:
            cell[name] += int(r[name] or 0)


def _rows(cells: dict[tuple[Any, ...], dict[str, int]], grain: str) -> tuple[list[Figure], list[FigureHist]]:
    """The Figure rows of the three cubes and the FigureHist rows of ``f`` and ``a`` for cells
    keyed (period, outlet, district, department, item)."""
    figures: list[Figure] = []
    hists: list[FigureHist] = []
    for cube, key in CUBE_KEYS.items():
        rolled: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for (period, *rest), values in cells.items():
            full = dict(zip(KEY, rest, strict=True))
            target = rolled[(period, *(full[k] for k in key))]
            for name, value in values.items():
                target[name] += value
        for (period, *rest), values in rolled.items():
            dims = {k: ("" if k != "outlet_id" else None) for k in KEY} | dict(zip(key, rest, strict=True))
            base = {"cube": cube, "grain": grain, "period": period, **dims}
            measures = {m: values.get(m, 0) for m in MEASURES}
            if any(measures.values()):
                figures.append(Figure(**base, **measures))
            if cube != "o":
                h = {m: values.get(m, 0) for m in HIST_MEASURES}
                if any(h.values()):
                    hists.append(FigureHist(**base, **h))
    return figures, hists


def _replace(grain: str, d0: dt.date, d1: dt.date, figures: list[Figure], hists: list[FigureHist]) -> None:
    Figure.objects.filter(grain=grain, period__gte=d0, period__lt=d1).delete()
    FigureHist.objects.filter(grain=grain, period__gte=d0, period__lt=d1).delete()
    Figure.objects.bulk_create(figures, batch_size=1000)
    FigureHist.objects.bulk_create(hists, batch_size=1000)


def _rebuild_range(d0: dt.date, d1: dt.date) -> None:
    """The day rows of every day in ``[d0, d1)`` from the facts and the ratings."""
    cells = _fact_cells(d0, d1)
    _rating_cells(d0, d1, cells)
    figures, hists = _rows(cells, "d")
    _replace("d", d0, d1, figures, hists)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _rebuild_month(m0: dt.date) -> None:
    """The month rows of the month starting ``m0``, summed from its day rows."""
    m1 = next_month(m0)
    keys = ("cube", *KEY)
    figures = [
        Figure(grain="m", period=m0, **r)
        for r in Figure.objects.filter(grain="d", period__gte=m0, period__lt=m1)
        .order_by()
        .values(*keys)
        .annotate(**{m: Sum(m) for m in MEASURES})
    ]
    hists = [
        FigureHist(grain="m", period=m0, **r)
        for r in FigureHist.objects.filter(grain="d", period__gte=m0, period__lt=m1)
        .order_by()
        .values(*keys)
        .annotate(**{m: Sum(m) for m in HIST_MEASURES})
    ]
    _replace("m", m0, m1, figures, hists)


def _runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as half-open runs of consecutive days."""
    out: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if out and out[-1][1] == day:
            out[-1] = (out[-1][0], day + dt.timedelta(days=1))
        else:
            out.append((day, day + dt.timedelta(days=1)))
    return out


def days_rebuild(*, days: Iterable[dt.date]) -> int:
    """Rebuild the day rows of these days and the month rows of their months. Returns the days."""
    days = set(days)
    for d0, d1 in _runs(days):
        _rebuild_range(d0, d1)
    for m0 in sorted({month_start(d) for d in days}):
        _rebuild_month(m0)
    return len(days)


# --- the two entry points -------------------------------------------------------------------------


def figures_refresh(*, now: dt.datetime, batch: int = BATCH) -> RefreshReport:
    """Bring the figures up to date with the case and rating histories (incremental). One
    transaction; concurrent refreshes queue on the state row. One audit row when anything
    changed. Returns what was done."""
    from tongban.cases.selectors import case_moves_after
    from tongban.feedback.selectors import rating_days_changed

    started = time.perf_counter()
    with transaction.atomic():
        state, _ = RefreshState.objects.select_for_update().get_or_create(name="figures")
        after, changed_days, cases = max(0, state.case_mark - CASE_OVERLAP), set(), 0
        while True:
            moves = case_moves_after(after_id=after, limit=batch)
            if not moves:
                break
            n, touched = facts_update(ids=sorted({m.case_id for m in moves}))
            cases += n
            changed_days |= touched
            after = moves[-1].id
            state.case_mark = max(state.case_mark, after)
            if len(moves) < batch:
                break
        rating_days, rating_last = rating_days_changed(after_id=max(0, state.rating_mark - RATING_OVERLAP), limit=10**6)
        state.rating_mark = max(state.rating_mark, rating_last)
        days = days_rebuild(days=changed_days | rating_days)
        seconds = time.perf_counter() - started
        state.refreshed_at, state.last_seconds, state.last_days = now, seconds, days
        state.last_cases = cases
        state.save()
        if days:
            audit_record(
                action="figures.refresh",
                object_type="figures",
                object_id="refresh",
                at=now,
                actor=None,
                data={"days": days, "case_mark": state.case_mark, "rating_mark": state.rating_mark},
            )
    return RefreshReport(cases, days, time.perf_counter() - started)


def figures_rebuild(*, now: dt.datetime, chunk: int = 100_000) -> RefreshReport:
    """Build every fact and every day and month row from scratch, then set the marks where both
    histories stood when it began (later moves are picked up by the next refresh). One
    transaction: a reader sees the old figures or the new ones."""
    from django.db.models import Max, Min

    from tongban.cases.selectors import case_fact_sources, case_id_bounds, case_move_last_id
    from tongban.feedback.selectors import rating_feed_span

    started = time.perf_counter()
    with transaction.atomic():
        state, _ = RefreshState.objects.select_for_update().get_or_create(name="figures")
        case_mark = case_move_last_id()
        rating_mark, rated_first, rated_last = rating_feed_span()
        CaseFact.objects.all().delete()
        Figure.objects.all().delete()
        FigureHist.objects.all().delete()
        lo, hi = case_id_bounds()
        cases = 0
        for start in range(lo, hi, chunk):
            rows = _fact_rows(case_fact_sources(id_range=(start, min(hi, start + chunk))))
            _write_facts(rows, fresh=True)
            cases += len(rows)
        span = CaseFact.objects.aggregate(lo=Min("submitted_day"), **{d: Max(d) for d in _DAYS})
        firsts = [d for d in (span["lo"], rated_first) if d is not None]
        lasts = [d for d in (*(span[d] for d in _DAYS), rated_last) if d is not None]
        days = 0
        if firsts and lasts:
            m0, end = month_start(min(firsts)), max(lasts)
            while m0 <= end:
                m1 = next_month(m0)
                _rebuild_range(m0, m1)
                _rebuild_month(m0)
                days += (m1 - m0).days
                m0 = m1
        state.case_mark, state.rating_mark = case_mark, rating_mark
        state.refreshed_at, state.last_seconds = now, time.perf_counter() - started
        state.last_cases, state.last_days = cases, days
        state.save()
        audit_record(
            action="figures.rebuild",
            object_type="figures",
            object_id="rebuild",
            at=now,
            actor=None,
            data={"cases": cases, "days": days},
        )
    return RefreshReport(cases, days, time.perf_counter() - started)


__all__ = ["days_rebuild", "facts_update", "figures_rebuild", "figures_refresh"]
