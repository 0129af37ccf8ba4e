"""Each figure on a small hand-made set of cases equals its hand-computed value. The cases run
through the real services at chosen instants in March 2026 (no holiday), then the figures are
refreshed from the case history and read as an administrator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongban.feedback.tests.flows import accept, approve, at, complete, file_online, file_window, issue, move
from tongban.insights.selectors import figures_read, filters_for
from tongban.insights.services import figures_rebuild, figures_refresh

pytestmark = pytest.mark.usefixtures("fig_items")
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def read(user: Any, *, start: dt.date = MARCH[0], end: dt.date = MARCH[1], **kw: Any) -> Any:
    f = filters_for(user=user, start=start, end=end, **kw)
    return figures_read(user=user, filters=f, now=at("2026-03-31", "12:00"))


def test_on_time_counts_the_deadline_day_skips_the_paused_time_and_leaves_out_withdrawn(personas: Any) -> None:
    citizen, approver = personas.citizen, personas.approvers["huzheng"]
    # f_doc: 5 working days. Accepted Monday 03-02: the deadline ends with Monday 03-09.
    a = file_online(citizen, "f_doc", at("2026-03-02", "09:00"))
    accept(a, approver, at("2026-03-02", "10:00"))
    approve(a, approver, at("2026-03-09", "16:30"))  # on the deadline day: on time
    b = file_online(citizen, "f_doc", at("2026-03-02", "09:05"))
    accept(b, approver, at("2026-03-02", "10:00"))
    approve(b, approver, at("2026-03-10", "09:00"))  # the day after: late
    c = file_online(citizen, "f_doc", at("2026-03-02", "09:10"))
    accept(c, approver, at("2026-03-02", "10:00"))
    move(c, "in_review", approver, at("2026-03-03", "10:00"))
    move(c, "supplement_requested", approver, at("2026-03-04", "10:00"))  # 3 working days left (05, 06, 09)
    move(c, "resubmitted", citizen, at("2026-03-11", "09:00"))  # new deadline: the end of 03-16
    approve(c, approver, at("2026-03-16", "15:00"))  # after the first deadline, within the paused one
    d = file_online(citizen, "f_doc", at("2026-03-02", "09:15"))
    accept(d, approver, at("2026-03-02", "10:00"))
    move(d, "withdrawn", citizen, at("2026-03-12", "10:00"))  # withdrawn past its deadline: not counted
    e = file_online(citizen, "f_doc", at("2026-03-03", "09:00"))
    move(e, "refused_at_intake", approver, at("2026-03-03", "11:00"))
    report = figures_refresh(now=at("2026-03-31"))
    assert report.cases == 5

    t = read(personas.admin).totals
    assert (t["received"], t["accepted"], t["withdrawn"], t["refused"]) == (5, 4, 1, 1)
    assert (t["decided"], t["timed"], t["on_time"]) == (3, 3, 2)  # a, b, c decided; a and c on time
    # handling time from submission (working days): a 5, b 6, c 10
    raw = read(personas.admin)
    assert (raw.from_submission.n, raw.from_submission.median) == (3, 6.0)
    assert (raw.from_acceptance.median, raw.from_acceptance.winsorised_mean) == (6.0, 7.0)


def test_handling_time_median_and_winsorised_mean(personas: Any) -> None:
    """19 cases decided 0..12 working days after acceptance and one stale case of 30: the mean is
    pulled up by the stale case; the winsorised mean counts it as the 95th percentile."""
    citizen, approver = personas.citizen, personas.approvers["huzheng"]
    # working days after Monday 2026-03-02 (no holiday in March or April before Qingming, 04-04..06)
    workdays = [dt.date(2026, 3, 2) + dt.timedelta(days=i) for i in range(60)]
    workdays = [d for d in workdays if d.weekday() < 5 and d not in (dt.date(2026, 4, 6),)]
    values = [0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8, 12, 30]
    for i, v in enumerate(values):
        n = file_online(citizen, "f_doc", at("2026-03-02", f"09:{i:02d}"))
        accept(n, approver, at("2026-03-02", "10:00"))
        approve(n, approver, dt.datetime.combine(workdays[v], dt.time(15), at("2026-03-02").tzinfo))
    figures_refresh(now=at("2026-04-30"))
    raw = read(personas.admin, end=dt.date(2026, 4, 30))
    r = raw.from_acceptance
    # sorted: 0 0 1 1 2 2 2 3 3 3 | 3 4 4 5 5 6 7 8 12 30; median = (3 + 3) / 2
    # p5 = rank 1 = 0; p95 = rank 19 = 12; 30 counts as 12: (sum 101 - 30 + 12) / 20 = 4.15
    assert (r.n, r.median, r.p5, r.p95, r.winsorised_mean, r.approximate) == (20, 3.0, 0.0, 12.0, 4.15, False)
    assert sum(values) / len(values) == 5.05  # the plain mean, pulled up by the one stale case


def test_satisfaction_over_the_five_levels_and_an_upheld_appeal(personas: Any, heads: Any) -> None:
    from tongban.feedback.followups import appeal_decide, appeal_file
    from tongban.feedback.services import rating_submit

    citizen, approver = personas.citizen, personas.approvers["huzheng"]
    numbers = []
    for i in range(6):
        n = file_online(citizen, "f_doc", at("2026-03-02", f"09:0{i}"))
        accept(n, approver, at("2026-03-02", "10:00"))
        approve(n, approver, at("2026-03-03", "10:00"))
        issue(n, at("2026-03-03", "10:05"))
        complete(n, citizen, at("2026-03-03", "11:00"))
        numbers.append(n)
    levels = [5, 5, 4, 3, 2, 1]  # 4 satisfied of 6: 66.7 %
    ratings = [
        rating_submit(case_number=n, rater=citizen, level=lv, now=at("2026-03-04", "10:00"))
        for n, lv in zip(numbers, levels, strict=True)
    ]
    assert figures_refresh(now=at("2026-03-05")).days == 3  # received 03-02, decided 03-03, rated 03-04
    assert figures_refresh(now=at("2026-03-05", "10:05")).days == 0  # nothing new: nothing rebuilt
    t = read(personas.admin).totals
    assert (t["rated"], t["r5"], t["r4"], t["r3"], t["r2"], t["r1"], t["bad"], t["fu_opened"]) == (
        6,
        2,
        1,
        1,
        1,
        1,
        2,
        2,
    )
    appeal_file(rating_id=ratings[5].pk, actor=approver, reason="恶意差评", now=at("2026-03-05"))
    appeal_decide(rating_id=ratings[5].pk, actor=heads.huzheng, uphold=True, note="属实", now=at("2026-03-06"))
    figures_refresh(now=at("2026-03-06"))
    t = read(personas.admin).totals
    # the voided 差评 leaves the satisfaction figures: 4 satisfied of 5 (80 %); it is still counted as voided
    assert (t["rated"], t["r1"], t["bad"], t["voided"], t["appeals"], t["appeals_upheld"]) == (5, 0, 1, 1, 1, 1)
    from tongban.audit.models import AuditEntry
    from tongban.feedback.models import Rating
    from tongban.insights.tables import kpis

    kpi = kpis(read(personas.admin))
    assert dict(zip(kpi.row_keys, (row[1] for row in kpi.rows), strict=True))["satisfaction"] == 80.0
    # ... and stays on record: the rating is voided, not deleted, and both steps are audited
    voided = Rating.objects.get(pk=ratings[5].pk)
    assert (voided.level, voided.bad, voided.voided_at) == (1, True, at("2026-03-06"))
    actions = set(AuditEntry.objects.filter(object_id=voided.case_number).values_list("action", flat=True))
    assert {"rating.appeal", "rating.appeal_upheld"} <= actions


def test_visits_window_time_and_materials(personas: Any) -> None:
    from tongban.appointments.models import Appointment, Slot

    clerk, approver, citizen = personas.clerk, personas.approvers["huzheng"], personas.citizen
    slot = Slot.objects.create(
        outlet=personas.outlet,
        group="huzheng",
        start=at("2026-03-03", "08:30"),
        end=at("2026-03-03", "09:00"),
        capacity=5,
        booked=1,
    )
    Appointment.objects.create(
        number="A1",
        user=citizen,
        slot=slot,
        outlet=personas.outlet,
        item_code="f_paper",
        status="checked_in",
        created_at=at("2026-03-01"),
        checked_in_at=at("2026-03-03", "08:50"),
        ticket="A001",
    )
    # at the window: filed and accepted on 03-03 (checked in at 08:50: 20 minutes), result
    # handed over on 03-05 (no check-in: that visit is not timed) -> 2 visits
    w = file_window(clerk, citizen.id_number, "f_paper", at("2026-03-03", "09:00"), presented=["paper"])
    accept(w, clerk, at("2026-03-03", "09:10"))
    approve(w, approver, at("2026-03-04", "10:00"))
    issue(w, at("2026-03-04", "10:05"))
    complete(w, clerk, at("2026-03-05", "10:00"))
    # online, 一证通办 (the household register from the registry), received online: 0 visits
    o = file_online(citizen, "f_doc", at("2026-03-03", "09:00"))
    accept(o, approver, at("2026-03-03", "10:00"))
    approve(o, approver, at("2026-03-04", "10:00"))
    issue(o, at("2026-03-04", "10:05"))
    complete(o, citizen, at("2026-03-04", "11:00"))
    z = file_online(citizen, "f_zero", at("2026-03-04", "09:00"))  # 零材料
    figures_refresh(now=at("2026-03-31"))
    t = read(personas.admin).totals
    assert (t["received"], t["rc_online"], t["rc_window"], t["completed"]) == (3, 2, 1, 2)
    assert (t["visits"], t["one_visit"], t["window_timed"], t["window_seconds"]) == (2, 1, 1, 1200)
    assert (t["id_card_only"], t["zero_materials"]) == (2, 1)  # f_doc and f_zero; f_paper needed a paper
    del z


def test_refresh_is_incremental_and_equals_a_rebuild(personas: Any) -> None:
    from tongban.insights.models import Figure, FigureHist

    citizen, approver = personas.citizen, personas.approvers["huzheng"]
    a = file_online(citizen, "f_doc", at("2026-03-02", "09:00"))
    accept(a, approver, at("2026-03-02", "10:00"))
    first = figures_refresh(now=at("2026-03-02", "12:00"))
    assert (first.cases, first.days) == (1, 1)
    assert figures_refresh(now=at("2026-03-02", "12:05")).days == 0  # nothing moved: nothing rebuilt
    approve(a, approver, at("2026-03-20", "10:00"))
    b = file_online(citizen, "f_zero", at("2026-04-01", "09:00"))
    again = figures_refresh(now=at("2026-04-01", "12:00"))
    # a's days (received and accepted 03-02, decided 03-20) and b's (received 04-01)
    assert (again.cases, again.days) == (2, 3)

    def snapshot() -> list[tuple[Any, ...]]:
        rows = [tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in Figure.objects.values()]
        rows += [tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in FigureHist.objects.values()]
        return sorted(rows, key=repr)

    incremental = snapshot()
    figures_rebuild(now=at("2026-04-01", "12:10"))
    assert snapshot() == incremental
    del b


def test_a_period_across_months_equals_the_sum_of_its_days(personas: Any) -> None:
    citizen, approver = personas.citizen, personas.approvers["huzheng"]
    for day in ("2026-01-30", "2026-02-02", "2026-02-27", "2026-03-02", "2026-04-01", "2026-04-02"):
        n = file_online(citizen, "f_doc", at(day, "09:00"))
        accept(n, approver, at(day, "10:00"))
    figures_refresh(now=at("2026-04-30"))
    whole = read(personas.admin, start=dt.date(2026, 1, 20), end=dt.date(2026, 4, 1))  # months + edges
    assert not whole.filters.daily
    assert whole.totals["received"] == 5
    assert sorted((r["period"], r["received"]) for r in whole.trend) == [
        (dt.date(2026, 1, 30), 1),  # the days before the first whole month, by day
        (dt.date(2026, 2, 1), 2),  # February and March from their month rows
        (dt.date(2026, 3, 1), 1),
        (dt.date(2026, 4, 1), 1),  # and the day after the last one (04-02 is outside)
    ]


def test_every_cube_gives_the_figures_of_the_finest_one(personas: Any) -> None:
    """The coarse cubes (department × item, district × department) are read for wide scopes: the
    same filters read from the finest cube give the same totals, breakdowns and handling times."""
    from django.db.models import Sum

    from tongban.insights.models import HIST_MEASURES, MEASURES, Figure, FigureHist
    from tongban.insights.selectors import _cells, cube_for

    citizen, clerk = personas.citizen, personas.clerk
    cases = (("f_doc", "huzheng", "2026-01-30"), ("f_zero", "zhian", "2026-02-03"), ("f_doc", "huzheng", "2026-03-02"))
    for i, (item, department, day) in enumerate(cases):
        approver = personas.approvers[department]
        n = file_online(citizen, item, at(day, "09:00"))
        accept(n, approver, at(day, "10:00"))
        approve(n, approver, at(day, f"1{i + 1}:00"))
    w = file_window(clerk, citizen.id_number, "f_doc", at("2026-02-10", "09:00"))
    accept(w, clerk, at("2026-02-10", "09:10"))
    figures_refresh(now=at("2026-03-31"))
    district = Figure.objects.filter(cube="f").exclude(district="").values_list("district", flat=True).first()
    assert district
    start, end = dt.date(2026, 1, 15), dt.date(2026, 3, 20)
    for kw in ({}, {"district": district}, {"department": "huzheng"}, {"district": district, "department": "huzheng"},
               {"item_code": "f_doc"}):  # fmt: skip
        raw = read(personas.admin, start=start, end=end, **kw)
        f = raw.filters
        assert cube_for(f, "item_code", "department") != "f"  # a coarse cube was read
        fine = Figure.objects.filter(_cells(f, "f"))
        want = {k: int(v or 0) for k, v in fine.aggregate(**{m: Sum(m) for m in MEASURES}).items()}
        assert raw.totals == want, kw
        by_district = {r["district"]: r["received"] for r in raw.by_district if r["received"]}
        want_district = {
            r["district"]: r["n"] for r in fine.values("district").annotate(n=Sum("received")).order_by() if r["n"]
        }
        assert by_district == want_district, kw
        by_item = {r["item_code"]: r["received"] for r in raw.by_item if r["received"]}
        assert by_item == {
            r["item_code"]: r["n"] for r in fine.values("item_code").annotate(n=Sum("received")).order_by() if r["n"]
        }, kw
        hist = FigureHist.objects.filter(_cells(f, "f")).aggregate(**{m: Sum(m) for m in HIST_MEASURES})
        assert raw.from_submission.n == sum(int(hist[f"hs_{v}"] or 0) for v in range(31)) + int(hist["hs_over"] or 0)
    assert read(personas.admin, start=start, end=end).totals["received"] == 4
