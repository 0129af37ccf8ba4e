"""Demo service flags of the appointments module: a 专场 (高考学生专场) at an exit-entry hall and
上门办 requests at the demo clerk's outlet (one scheduled, one waiting). Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongban.appointments.models import HomeVisit, SpecialSession
from tongban.appointments.sessions import special_session_create
from tongban.appointments.visits import home_visit_request, home_visit_schedule
from tongban.common.clock import SHANGHAI
from tongban.common.errors import DomainError

VISITS = (  # (citizen index, item, address, reason, scheduled after days or None)
    (0, "id_card_renew", "西湖区文三路 90 号 2 单元 302 室", "八十五岁独居老人，腿脚不便，无法到窗口拍照", 2),
    (1, "residence_permit", "西湖区古荡新村 12 幢 1 单元 101 室", "骨折卧床，需上门采集信息", None),
)


def _saturday_after(now: dt.datetime) -> dt.date:
    day = now.astimezone(SHANGHAI).date() + dt.timedelta(days=1)
    while day.weekday() != 5:
        day += dt.timedelta(days=1)
    return day


def session_demo(*, now: dt.datetime) -> int:
    """高考学生专场 on the next Saturday morning at the first bookable exit-entry hall."""
    from tongban.outlets.models import Outlet, OutletKind

    hall = Outlet.objects.filter(kind=OutletKind.EXIT_ENTRY_HALL, active=True, bookable=True).order_by("code").first()
    if hall is None or SpecialSession.objects.filter(outlet=hall, label_zh="高考学生专场").exists():
        return 0
    day = _saturday_after(now)
    first = dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=SHANGHAI)
    periods = [(first + dt.timedelta(minutes=30 * i), first + dt.timedelta(minutes=30 * (i + 1))) for i in range(6)]
    special_session_create(
        outlet=hall,
        group="churujing",
        label_zh="高考学生专场",
        label_en="Session for college-entrance exam students",
        note_zh="本年度高考考生（20周岁及以下），办理出国（境）证件",
        note_en="This year's college-entrance exam candidates (aged 20 or under), for travel documents",
        max_age=20,
        periods=periods,
        capacity=10,
        at=now,
    )
    return 1


def visit_demo(*, now: dt.datetime, citizens: list[Any], clerk: Any, stdout: Any) -> int:
    """上门办 requests of the demo citizens at the demo clerk's outlet (which offers home visits
    for the items it handles)."""
    from tongban.outlets.models import Outlet

    if clerk is None or clerk.outlet_id is None:
        return 0
    Outlet.objects.filter(pk=clerk.outlet_id).update(home_visit=True)
    made = 0
    for index, item, address, reason, after in VISITS:
        if index >= len(citizens) or HomeVisit.objects.filter(user=citizens[index], item_code=item).exists():
            continue
        try:
            visit = home_visit_request(
                user=citizens[index],
                item_code=item,
                outlet_code=clerk.outlet.code,
                address=address,
                phone=citizens[index].phone or "13800000000",
                reason=reason,
                at=now,
            )
            if after is not None:
                day = now.astimezone(SHANGHAI).date() + dt.timedelta(days=after)
                at = dt.datetime(day.year, day.month, day.day, 15, 0, tzinfo=SHANGHAI)
                home_visit_schedule(actor=clerk, number=visit.number, visit_at=at, at=now)
            made += 1
        except DomainError as exc:
            stdout.write(f"appointments: home visit {item} skipped: {exc.message}\n")
    return made
