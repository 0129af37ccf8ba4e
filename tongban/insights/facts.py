"""The rules of the case facts (as ``tongban.insights.factsql`` applies them in the database), the
time of a window visit, and robust statistics from histograms: pure functions (no Django, no clock).

Rules (the figures a bureau reports):
- a case counts under the outlet that accepted it, else the one handling it, and that outlet's
  district (else the case's handling region);
- on time: decided (approved or denied) before its deadline, the deadline that the clock's stops
  for 补正 have already pushed back; a day-based deadline ends at 00:00 after its last day, so a
  case decided on its deadline day is on time. Withdrawn cases and cases refused at intake have
  no timed decision and are left out;
- handling time: working days on the statutory calendar from the local day of submission (or of
  acceptance) to the local day of decision, counted as the law counts (the first day not
  included; decided the same day = 0), elapsed time including any 补正 wait;
- visits: the local days a clerk moved the case (the applicant at a window); the time of a visit
  runs from the applicant's check-in at that outlet that day to the clerk's last move of the day;
- 一证通办: no required material had to be brought (a registry source or the photo library
  supplied each); 零材料: the case has no materials at all.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tongban.common.clock import SHANGHAI

RUNNING = ("accepted", "in_review", "resubmitted")
MAX_VISIT_SECONDS = 8 * 3600  # a check-in and a clerk's move further apart are not one visit


def visit_times(src: Any, checkins: Mapping[tuple[int, int, dt.date], list[dt.datetime]]) -> tuple[int, int, int]:
    """(visits, visits timed, seconds at the window over the timed ones) of one case."""
    if not src.window_moves:
        return 0, 0, 0
    last: dict[tuple[dt.date, int | None], dt.datetime] = {}
    for at, outlet_id in src.window_moves:
        key = (at.astimezone(SHANGHAI).date(), outlet_id)
        if key not in last or at > last[key]:
            last[key] = at
    days = {key[0] for key in last}
    timed = seconds = 0
    if src.applicant_id is not None:
        for (day, outlet_id), end in last.items():
            if outlet_id is None:
                continue
            starts = [t for t in checkins.get((src.applicant_id, outlet_id, day), ()) if t <= end]
            if starts:
                span = int((end - max(starts)).total_seconds())
                if 0 <= span <= MAX_VISIT_SECONDS:
                    timed += 1
                    seconds += span
    return len(days), timed, seconds


# --- statistics over histograms ----------------------------------------------------------------------


@dataclass(frozen=True)
class Robust:
    """Median and 5 %/95 % winsorised mean of a histogram (``approximate``: a percentile fell into
    the shared bin of long values, whose members are known only by their sum)."""

    n: int
    median: float | None
    winsorised_mean: float | None
    p5: float | None
    p95: float | None
    approximate: bool = False


def _value_at(rank: int, bins: list[int], over: int, over_mean: float) -> tuple[float, bool]:
    """The value at 1-based ``rank`` of the sorted data."""
    seen = 0
    for value, count in enumerate(bins):
        seen += count
        if rank <= seen:
            return float(value), False
    return over_mean, True


def robust_stats(bins: list[int], over: int = 0, over_sum: int = 0, *, cut: float = 0.05) -> Robust:
    """Median and winsorised mean of values given as a histogram: ``bins[v]`` values equal to
    ``v`` (0..len-1), plus ``over`` larger values summing to ``over_sum``. Percentiles are by
    nearest rank (p5 = the value at rank ceil(0.05 n)); each value below p5 or above p95 counts as
    p5 or p95. Exact unless a percentile falls among the ``over`` values."""
    n = sum(bins) + over
    if n == 0:
        return Robust(0, None, None, None, None)
    over_mean = over_sum / over if over else 0.0
    lo_rank, hi_rank = max(1, math.ceil(cut * n)), max(1, math.ceil((1 - cut) * n))
    p5, a1 = _value_at(lo_rank, bins, over, over_mean)
    p95, a2 = _value_at(hi_rank, bins, over, over_mean)
    if n % 2:
        median, a3 = _value_at((n + 1) // 2, bins, over, over_mean)
    else:
        m1, a3 = _value_at(n // 2, bins, over, over_mean)
        m2, a4 = _value_at(n // 2 + 1, bins, over, over_mean)
        median, a3 = (m1 + m2) / 2, a3 or a4
    total = 0.0
    for value, count in enumerate(bins):
        total += min(max(float(value), p5), p95) * count
    # Long values lie above every bin, so above p95 when p95 is a bin's value; when p95 is itself
    # among them (approximate), their own sum is the best that is known.
    total += over_sum if a2 else p95 * over
    return Robust(n, median, total / n, p5, p95, approximate=a1 or a2 or a3)


def robust_of(values: Iterable[int], *, cut: float = 0.05) -> Robust:
    """The same statistics over plain values (tests and small sets)."""
    vals = sorted(values)
    bins = [0] * (max(vals) + 1 if vals else 1)
    for v in vals:
        bins[v] += 1
    return robust_stats(bins, cut=cut)
