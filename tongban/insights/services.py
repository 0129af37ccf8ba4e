"""Keeping the figures up to date: case facts from the case history, then the day and month rows
of every day whose cases or ratings changed (docs/adr/0009-figures-rollups.md).

``figures_refresh`` is incremental and idempotent (run it from the task worker or cron every few
minutes): it reads the case history and the rating history past its marks, recomputes the fact
of every case that moved, and rebuilds only the days (and their months) whose numbers changed.
``figures_rebuild`` builds everything from scratch (first install, after a rule change).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

from tongban.audit.services import audit_record
from tongban.insights.factsql import DAYS as _DAYS
from tongban.insights.factsql import facts_insert_staged, facts_stage, facts_unstage, facts_write_changed
from tongban.insights.models import CaseFact, Figure, FigureHist, RefreshState
from tongban.insights.rollup import month_start, next_month, rebuild_month, rebuild_range

# History rows are numbered when written but may commit out of that order; each refresh reads
# this many rows before its mark again. Re-reading a case whose fact did not change costs a
# comparison, nothing more; a rating's day is rebuilt again.
CASE_OVERLAP = 2000
RATING_OVERLAP = 200
BATCH = 200_000  # history rows read per query


@dataclass(frozen=True)
class RefreshReport:
    cases: int  # facts that changed
    days: int  # days rebuilt
    seconds: float


# --- facts: tongban.insights.factsql ----------------------------------------------------------


def _batches(
    ids: list[int], *, gap: int = 64, most: int = 100_000
) -> list[tuple[list[int] | None, tuple[int, int] | None]]:
    """Sorted case keys as batches to compute: runs of nearby keys as key ranges (a range scan;
    the few unchanged cases in between are recomputed and found unchanged), scattered keys as
    lists."""
    out: list[tuple[list[int] | None, tuple[int, int] | None]] = []
    scattered: list[int] = []
    run: list[int] = []

    def close() -> None:
        if len(run) >= gap:
            out.append((None, (run[0], run[-1] + 1)))
        else:
            scattered.extend(run)

    for key in sorted(set(ids)):
        if run and (key - run[-1] > gap or len(run) >= most):
            close()
            run = []
        run.append(key)
    if run:
        close()
    step = 20_000 if connection.vendor == "postgresql" else 500
    out += [(scattered[i : i + step], None) for i in range(0, len(scattered), step)]
    return out


def facts_update(*, ids: list[int]) -> tuple[int, set[dt.date]]:
    """Recompute the facts of these cases; write those that changed. Returns how many changed and
    the local days whose figures they touch (before and after)."""
    count, days = 0, set[dt.date]()
    for keys, span in _batches(ids):
        facts_stage(ids=keys, id_range=span)
        n, touched = facts_write_changed()
        count, days = count + n, days | touched
    facts_unstage()
    return count, days


# --- day and month rows: tongban.insights.rollup ------------------------------------------------


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
        rebuild_range(d0, d1)
    for m0 in sorted({month_start(d) for d in days}):
        rebuild_month(m0)
    return len(days)


# --- the two entry points -------------------------------------------------------------------------


def figures_refresh(*, now: dt.datetime, batch: int = BATCH) -> RefreshReport:
    """Bring the figures up to date with the case and rating histories (incremental). One
    transaction; concurrent refreshes queue on the state row. One audit row when anything
    changed. Returns what was done."""
    from tongban.cases.facts import case_move_keys_after
    from tongban.feedback.selectors import rating_days_changed

    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The facts statement of a day's cases is planned expensive enough for the JIT
            # compiler, which then spent seconds compiling it (1.7 s of a refresh with nothing new).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        state, _ = RefreshState.objects.select_for_update().get_or_create(name="figures")
        after, moved = max(0, state.case_mark - CASE_OVERLAP), set[int]()
        while True:
            moves = case_move_keys_after(after_id=after, limit=batch)
            if not moves:
                break
            moved.update(case_id for _key, case_id in moves)
            after = moves[-1][0]
            state.case_mark = max(state.case_mark, after)
            if len(moves) < batch:
                break
        cases, changed_days = facts_update(ids=sorted(moved))
        rating_days, rating_last = rating_days_changed(after_id=max(0, state.rating_mark - RATING_OVERLAP), limit=10**6)
        if rating_last <= state.rating_mark:
            # Nothing newer than the mark: the margin's days were rebuilt when it was read (a row
            # that committed late below the mark is picked up with the next new one).
            rating_days = set()
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


def figures_rebuild(*, now: dt.datetime, chunk: int = 500_000) -> RefreshReport:
    """Build every fact and every day and month row from scratch, then set the marks where both
    histories stood when it began (later moves are picked up by the next refresh). One
    transaction: a reader sees the old figures or the new ones."""
    from django.db.models import Max, Min

    from tongban.cases.facts import case_id_bounds, case_move_last_id
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
            facts_stage(id_range=(start, min(hi, start + chunk)))
            cases += facts_insert_staged()
        facts_unstage()
        span = CaseFact.objects.aggregate(lo=Min("submitted_day"), **{d: Max(d) for d in _DAYS})
        firsts = [d for d in (span["lo"], rated_first) if d is not None]
        lasts = [d for d in (*(span[d] for d in _DAYS), rated_last) if d is not None]
        days = 0
        if firsts and lasts:
            m0, end = month_start(min(firsts)), max(lasts)
            while m0 <= end:
                m1 = next_month(m0)
                d0 = m0
                while d0 < m1:  # ten days at a time: the cells of a busy month fill memory
                    d1 = min(m1, d0 + dt.timedelta(days=10))
                    rebuild_range(d0, d1)
                    d0 = d1
                rebuild_month(m0)
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


__all__ = ["days_rebuild", "facts_update", "figures_rebuild", "figures_refresh", "month_start", "next_month"]
