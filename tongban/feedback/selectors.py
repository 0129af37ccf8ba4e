"""Rating reads: the scheme in force, what a citizen can rate, the follow-up work list, and the
rows the figures roll up."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from tongban.common.access import access_filter, access_get
from tongban.common.clock import SHANGHAI
from tongban.common.errors import NotFound
from tongban.feedback.models import (
    Appeal,
    FollowUp,
    FollowUpState,
    Invitation,
    Occasion,
    Rating,
    RatingEvent,
    RatingScheme,
)
from tongban.feedback.scheme import Scheme, scheme_from_data

#: Case states after which the applicant rates the case (一事一评): finished, favourably or not.
CLOSED_RATEABLE = ("completed", "denied", "refused_at_intake")
#: Case states in which the case has been accepted and is still running (一次一评 at the window).
RUNNING_AFTER_ACCEPTANCE = ("accepted", "in_review", "supplement_requested", "resubmitted", "approved", "result_issued")
OPEN_FOLLOWUP = (FollowUpState.OPEN, FollowUpState.CONTACTED, FollowUpState.VERIFIED, FollowUpState.RECTIFIED)

_lock = threading.Lock()
_schemes: dict[int, Scheme] = {}


def scheme_get(*, version: int | None = None) -> Scheme:
    """A scheme version (default: the newest). Raises NotFound when none is loaded."""
    if version is not None and version in _schemes:
        return _schemes[version]
    row = (
        RatingScheme.objects.filter(version=version).first()
        if version is not None
        else RatingScheme.objects.order_by("-version").first()
    )
    if row is None:
        raise NotFound(gettext("尚未导入好差评规则"))
    with _lock:
        scheme = _schemes.get(row.version)
        if scheme is None:
            scheme = _schemes[row.version] = scheme_from_data({**row.data, "version": row.version})
    return scheme


def scheme_cache_clear() -> None:
    """Forget the parsed schemes (after a load, and between tests)."""
    _schemes.clear()


def occasion_for(*, status: str, accepted_at: dt.datetime | None) -> str | None:
    """The occasion a case can be rated on now: completion once it is finished, acceptance while
    it runs after acceptance, else None."""
    if status in CLOSED_RATEABLE:
        return Occasion.COMPLETION
    if accepted_at is not None and status in RUNNING_AFTER_ACCEPTANCE:
        return Occasion.ACCEPTANCE
    return None


def ratings_of_cases(*, case_ids: list[int]) -> dict[tuple[int, str], Rating]:
    """The ratings of these cases by (case, occasion)."""
    return {(r.case_id, r.occasion): r for r in Rating.objects.filter(case_id__in=case_ids)}


def ratings_mine(*, user: Any, limit: int = 50) -> list[Rating]:
    """The citizen's own ratings, newest first, with their follow-ups (one query)."""
    qs = access_filter(user, Rating.objects.select_related("followup"))
    return list(qs.order_by("-rated_at", "-pk")[:limit])


def invitations_open(*, user: Any) -> list[Invitation]:
    """Invitations sent to the citizen and not yet answered by a rating."""
    qs = access_filter(user, Invitation.objects.filter(sent_at__isnull=False, dismissed=False))
    return list(qs.order_by("-due_at")[:20])


@dataclass(frozen=True)
class FollowUpRow:
    """One row of the follow-up work list."""

    followup: FollowUp
    overdue: bool
    appeal: str


def followups_list(*, user: Any, now: dt.datetime, state: str = "", overdue_only: bool = False) -> list[FollowUpRow]:
    """The follow-ups a head may see (their outlet's or department's; administrators all), the
    ones due soonest first; at most 200."""
    qs: QuerySet[FollowUp] = access_filter(user, FollowUp.objects.select_related("rating", "rating__appeal"))
    if state in FollowUpState.values:
        qs = qs.filter(state=state)
    if overdue_only:
        qs = qs.filter(state__in=OPEN_FOLLOWUP, due_at__lte=now)
    rows = []
    for f in qs.order_by("due_at", "pk")[:200]:
        appeal = getattr(f.rating, "appeal", None)
        rows.append(FollowUpRow(f, f.state in OPEN_FOLLOWUP and f.due_at <= now, appeal.state if appeal else ""))
    return rows


def followup_get(*, user: Any, pk: int) -> FollowUp:
    """One follow-up the user may read. Raises NotFound."""
    return access_get(user, FollowUp.objects.select_related("rating", "outlet"), pk=pk)


def followup_history(*, followup: FollowUp) -> list[RatingEvent]:
    return list(RatingEvent.objects.filter(rating_id=followup.rating_id).order_by("at", "pk"))


def appeal_of(*, rating_id: int) -> Appeal | None:
    return Appeal.objects.filter(rating_id=rating_id).first()


def followups_overdue_count(
    *, now: dt.datetime, outlet_id: int | None = None, department: str = "", district: str = "", item_code: str = ""
) -> int:
    """Open follow-ups past their due time, in a scope (live, for the dashboards)."""
    qs = FollowUp.objects.filter(state__in=OPEN_FOLLOWUP, due_at__lte=now)
    if outlet_id is not None:
        qs = qs.filter(outlet_id=outlet_id)
    if department:
        qs = qs.filter(department=department)
    if district:
        qs = qs.filter(rating__district=district)
    if item_code:
        qs = qs.filter(rating__item_code=item_code)
    return qs.count()


# --- the figures' change feed and daily rows -------------------------------------------------------


def rating_days_changed(*, after_id: int, limit: int) -> tuple[set[dt.date], int]:
    """The local days of the ratings whose history has rows above ``after_id`` (a rating's
    figures, its follow-up's included, count on the day it was given), and the last row read."""
    rows = list(
        RatingEvent.objects.filter(pk__gt=after_id).order_by("pk").values_list("pk", "rating__rated_at")[:limit]
    )
    days = {at.astimezone(SHANGHAI).date() for _pk, at in rows}
    return days, (rows[-1][0] if rows else after_id)


RATING_MEASURES = (
    "rated",
    "r5",
    "r4",
    "r3",
    "r2",
    "r1",
    "bad",
    "voided",
    "fu_opened",
    "fu_contacted",
    "fu_founded",
    "fu_rectified",
    "fu_answered",
    "fu_late",
    "answer_rated",
    "answer_good",
    "appeals",
    "appeals_upheld",
)


def rating_figures(*, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Ratings given in ``[start, end)`` counted per local day, outlet, district, department and
    item: valid ratings by level, 差评, voided ones, and the follow-ups and appeals of those 差评.
    ``rated`` and the levels count valid (not voided) ratings only."""
    valid = Q(voided_at__isnull=True)
    fu = "followup__"
    good = [5, 4, 3]
    rows = (
        Rating.objects.filter(rated_at__gte=start, rated_at__lt=end)
        .order_by()
        .values("rated_at__date", "outlet_id", "district", "department", "item_code")
        .annotate(
            rated=Count("pk", filter=valid),
            r5=Count("pk", filter=valid & Q(level=5)),
            r4=Count("pk", filter=valid & Q(level=4)),
            r3=Count("pk", filter=valid & Q(level=3)),
            r2=Count("pk", filter=valid & Q(level=2)),
            r1=Count("pk", filter=valid & Q(level=1)),
            bad=Count("pk", filter=valid & Q(bad=True)),
            voided=Count("pk", filter=Q(voided_at__isnull=False)),
            fu_opened=Count("followup", filter=valid),
            fu_contacted=Count("followup", filter=valid & Q(**{f"{fu}contacted_at__isnull": False})),
            fu_founded=Count("followup", filter=valid & Q(**{f"{fu}founded": True})),
            fu_rectified=Count("followup", filter=valid & Q(**{f"{fu}rectified_at__isnull": False})),
            fu_answered=Count("followup", filter=valid & Q(**{f"{fu}answered_at__isnull": False})),
            fu_late=Count("followup", filter=valid & Q(**{f"{fu}overdue_flagged_at__isnull": False})),
            answer_rated=Count("followup", filter=valid & Q(**{f"{fu}answer_level__isnull": False})),
            answer_good=Count("followup", filter=valid & Q(**{f"{fu}answer_level__in": good})),
            appeals=Count("appeal"),
            appeals_upheld=Count("appeal", filter=Q(appeal__state="upheld")),
        )
    )
    out = []
    for r in rows:
        r["day"] = r.pop("rated_at__date")
        out.append(r)
    return out


def rating_feed_span() -> tuple[int, dt.date | None, dt.date | None]:
    """The newest rating-history row (0 with none) and the first and last local days a rating was
    given on (for a rebuild of every figure)."""
    from django.db.models import Max, Min

    last = RatingEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    span = Rating.objects.aggregate(lo=Min("rated_at"), hi=Max("rated_at"))
    lo, hi = span["lo"], span["hi"]
    return (
        int(last),
        lo.astimezone(SHANGHAI).date() if lo else None,
        hi.astimezone(SHANGHAI).date() if hi else None,
    )
