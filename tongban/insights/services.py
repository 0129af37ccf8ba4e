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

from tongban.audit.services import audit_record
from tongban.insights.facts import WorkdayIndex, fact_of
from tongban.insights.models import CaseFact, Figure, FigureHist, RefreshState
from tongban.insights.rollup import month_start, next_month, rebuild_month, rebuild_range
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
