"""Demo figures: a few months of synthetic cases, their history and ratings in the demo city, so
the dashboards show trends out of the box. Generated from a seed (the same seed gives the same
cases), written in bulk (a set-up script, not domain flow), then every figure is rebuilt.

Idempotent: the demo cases carry numbers ``<region>-<date>-6nnnnn``; when some exist nothing is
generated again and the figures are only refreshed.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction

from tongban.common.clock import SHANGHAI
from tongban.common.masking import mask_id_number, mask_name, mask_text

SEED = 2026
DAYS = 120
PER_WORKDAY = 40
LEVELS = ([5, 4, 3, 2, 1], [78, 13, 5, 3, 1])


def _world(rng: random.Random) -> dict[str, Any] | None:
    from tongban.accounts.models import User
    from tongban.catalog.selectors import items_list
    from tongban.outlets.models import Outlet, OutletItem
    from tongban.registry.models import Person

    people = list(Person.objects.order_by("pk").values_list("pk", "id_number", "name")[:3000])
    outlets = dict(Outlet.objects.values_list("pk", "region_code"))
    if not people or not outlets:
        return None
    by_item: dict[str, list[int]] = {}
    for outlet_id, code in OutletItem.objects.values_list("outlet_id", "item_code"):
        by_item.setdefault(code, []).append(outlet_id)
    clerk = User.objects.filter(username="clerk").first()
    items = [i for i in items_list() if by_item.get(i.code)]
    citizen = User.objects.filter(role="citizen", person__isnull=False).select_related("person").order_by("pk").first()
    staff = list(User.objects.filter(role__in=["clerk", "approver"]))
    return {
        "citizen": citizen,
        "people": people,
        "region": outlets,
        "by_item": by_item,
        "items": items,
        "weights": [1.0 / (k + 1) ** 0.7 for k in range(len(items))],
        "home": clerk.outlet_id if clerk is not None else None,
        "staff": {u.username: u.pk for u in staff},
        # what a case's history shows for each of them, as for a real move (cases.services.moves)
        "labels": {u.pk: mask_text(str(u))[:80] for u in staff},
    }


def _one(rng: random.Random, w: dict[str, Any], day: dt.date, seq: int, now: dt.datetime) -> dict[str, Any]:
    """One synthetic case (its columns, history and rating) submitted on ``day``."""
    item = rng.choices(w["items"], weights=w["weights"])[0]
    person = rng.choice(w["people"])
    window = "window" in item.channels and (rng.random() < 0.45 or "online" not in item.channels)
    outlets = w["by_item"][item.code]
    outlet = w["home"] if window and w["home"] in outlets and rng.random() < 0.3 else rng.choice(outlets)
    region = w["region"][outlet]
    submitted = dt.datetime.combine(day, dt.time(9), SHANGHAI) + dt.timedelta(minutes=rng.randrange(450))
    limit = item.promised_limit.value if item.promised_limit.unit == "working_days" else 1
    trend = (now.date() - day).days / DAYS  # older cases were slower: the trend improves
    accepted: dt.datetime | None = submitted + dt.timedelta(
        minutes=rng.randrange(5, 30) if window else rng.randrange(30, 1200)
    )
    deadline: dt.datetime | None = submitted + dt.timedelta(days=round(max(1, limit) * 1.4) + 1)
    r = rng.random()
    status = "completed"
    decided: dt.datetime | None = None
    closed: dt.datetime | None = None
    if r < 0.02:
        status, accepted, deadline, closed = "refused_at_intake", None, None, submitted + dt.timedelta(minutes=30)
    elif r < 0.04:
        status, closed = "withdrawn", submitted + dt.timedelta(days=1)
    else:
        assert accepted is not None
        late = rng.random() < 0.02 + 0.05 * trend
        span = max(1, limit) * 1.4 * ((1.05 + rng.random()) if late else rng.random() ** 1.5)
        decided = accepted + dt.timedelta(days=span, minutes=rng.randrange(60))
        if decided > now:
            status, decided = "in_review", None
        else:
            status = "denied" if rng.random() < 0.03 else "completed"
            closed = decided + dt.timedelta(hours=rng.randrange(1, 48)) if status == "completed" else decided
            if closed > now:
                status, closed = "result_issued", None
    return {
        "number": f"{region}-{day:%Y%m%d}-6{seq:05d}",
        "item": item,
        "person": person,
        "channel": "window" if window else rng.choice(["online", "online", "online", "phone"]),
        "outlet": outlet,
        "region": region,
        "status": status,
        "submitted": submitted,
        "accepted": accepted,
        "decided": decided,
        "closed": closed,
        "deadline": deadline,
        "level": rng.choices(*LEVELS)[0] if status in ("completed", "denied") and rng.random() < 0.6 else None,
        "paper": rng.random() < 0.35,
    }


def _history(c: dict[str, Any], staff: dict[str, int]) -> list[tuple[str, str, str, Any, int | None]]:
    window = c["channel"] == "window"
    clerk = staff.get("clerk") if window else None
    approver = staff.get(f"approver-{c['item'].department}")
    out = [("", "submitted", "clerk" if window else "citizen", c["submitted"], clerk)]
    if c["status"] == "refused_at_intake":
        return [*out, ("submitted", "refused_at_intake", "approver", c["closed"], approver)]
    out.append(("submitted", "accepted", "clerk" if window else "approver", c["accepted"], clerk or approver))
    if c["status"] == "withdrawn":
        return [*out, ("accepted", "withdrawn", "citizen", c["closed"], None)]
    if c["decided"] is None:
        return [*out, ("accepted", "in_review", "approver", c["accepted"] + dt.timedelta(hours=1), approver)]
    decision = "denied" if c["status"] == "denied" else "approved"
    out += [
        ("accepted", "in_review", "approver", c["decided"] - dt.timedelta(minutes=30), approver),
        ("in_review", decision, "approver", c["decided"], approver),
    ]
    if decision == "approved":
        out.append(("approved", "result_issued", "system", c["decided"] + dt.timedelta(minutes=2), None))
        if c["closed"] is not None:
            out.append(("result_issued", "completed", "clerk" if window else "citizen", c["closed"], clerk))
    return out


def generate(*, now: dt.datetime, seed: int = SEED, days: int = DAYS) -> int:
    """Write the demo cases of the ``days`` days before ``now``; returns how many."""
    from tongban.cases.models import Case, CaseEvent, CaseMaterial
    from tongban.feedback.models import FollowUp, Rating, RatingEvent
    from tongban.workdays.calendar import add_working_days
    from tongban.workdays.selectors import calendar_get

    rng = random.Random(seed)
    w = _world(rng)
    if w is None:
        return 0
    cal = calendar_get()
    made: list[dict[str, Any]] = []
    for k in range(days, 0, -1):
        day = (now - dt.timedelta(days=k)).astimezone(SHANGHAI).date()
        n = PER_WORKDAY if day.weekday() < 5 else PER_WORKDAY // 4
        made += [_one(rng, w, day, seq, now) for seq in range(1, n + 1)]
    mine = _citizens_own(rng, w, now)
    with transaction.atomic():
        cases = Case.objects.bulk_create(
            [
                Case(
                    number=c["number"],
                    item_code=c["item"].code,
                    item_version=c["item"].version,
                    item_name=c["item"].name_zh[:120],
                    department=c["item"].department,
                    status=c["status"],
                    channel=c["channel"],
                    person_id=c["person"][0],
                    applicant_id_number=c["person"][1],
                    applicant_name=c["person"][2],
                    accepting_outlet_id=c["outlet"] if c["channel"] == "window" else None,
                    handling_outlet_id=c["outlet"],
                    handling_region=c["region"],
                    form_data={},  # no answers to show (a made-up key would be shown as one)
                    submitted_at=c["submitted"],
                    accepted_at=c["accepted"],
                    decided_at=c["decided"],
                    closed_at=c["closed"],
                    updated_at=c["closed"] or c["decided"] or c["accepted"] or c["submitted"],
                    limit_value=c["item"].promised_limit.value,
                    limit_unit=c["item"].promised_limit.unit,
                    deadline_at=c["deadline"],
                    applicant_id=c.get("applicant"),
                )
                for c in [*made, *mine]
            ],
            batch_size=500,
        )
        events, materials, ratings = [], [], []
        for case, c in zip(cases, [*made, *mine], strict=True):
            applicant = f"{mask_name(c['person'][2])} {mask_id_number(c['person'][1])}"
            for frm, to, role, at, actor in _history(c, w["staff"]):
                outlet = c["outlet"] if role == "clerk" else None
                label = w["labels"].get(actor) or (applicant if role == "citizen" else role)
                events.append(
                    CaseEvent(case=case, from_status=frm, to_status=to, actor_id=actor, actor_label=label, role=role,
                              outlet_id=outlet, at=at)
                )  # fmt: skip
            for m in c["item"].materials:
                supplied = bool(m.source or m.photo_standard) and not (c["paper"] and m.required)
                materials.append(
                    CaseMaterial(case=case, code=m.code, name_zh=m.name_zh[:120], required=m.required,
                                 state="supplied" if supplied else "presented", source=m.source or "",
                                 updated_at=c["submitted"])
                )  # fmt: skip
            if c["level"] is not None:
                rated_at = (c["closed"] or c["decided"]) + dt.timedelta(hours=rng.randrange(1, 60))
                if rated_at < now:
                    ratings.append(
                        Rating(case=case, case_number=case.number, occasion="completion",
                               channel="window" if c["channel"] == "window" else "online", scheme_version=1,
                               level=c["level"], scores={"overall": c["level"]}, bad=c["level"] <= 2,
                               item_code=case.item_code, item_name=case.item_name, department=case.department,
                               outlet_id=c["outlet"], district=c["region"], person_id=c["person"][0], rated_at=rated_at)
                    )  # fmt: skip
        CaseEvent.objects.bulk_create(events, batch_size=1000)
        CaseMaterial.objects.bulk_create(materials, batch_size=1000)
        ratings = Rating.objects.bulk_create(ratings, batch_size=500)
        RatingEvent.objects.bulk_create([RatingEvent(rating=r, kind="rated", at=r.rated_at) for r in ratings])
        follow = []
        for r in ratings:
            if not r.bad:
                continue
            due = add_working_days(cal, r.rated_at, 15)
            f = FollowUp(rating=r, outlet_id=r.outlet_id, department=r.department, opened_at=r.rated_at, due_at=due)
            stage = rng.random() if due < now else rng.random() * 0.5
            if r.person_id == getattr(w["citizen"], "person_id", None):
                stage = 1.0  # the demo citizen's 差评 has been answered
            if stage > 0.15:
                f.state, f.contacted_at, f.contact_note = "contacted", r.rated_at + dt.timedelta(days=1), "电话回访"
            if stage > 0.3:
                f.state, f.verified_at, f.founded = "verified", r.rated_at + dt.timedelta(days=2), rng.random() < 0.7
                f.verify_note = "调阅录像核实"
            if stage > 0.45 and f.founded:
                f.state, f.rectified_at, f.rectify_note = "rectified", r.rated_at + dt.timedelta(days=4), "批评教育"
            if stage > 0.55:
                f.state, f.answered_at, f.answer = "answered", r.rated_at + dt.timedelta(days=6), "已整改，感谢监督"
            if f.state != "answered" and due < now:
                f.overdue_flagged_at = due
            follow.append(f)
        FollowUp.objects.bulk_create(follow)
        steps = (
            ("contact", "contacted_at", "contact_note"),
            ("verify", "verified_at", "verify_note"),
            ("rectify", "rectified_at", "rectify_note"),
            ("answer", "answered_at", "answer"),
        )
        RatingEvent.objects.bulk_create(
            [
                RatingEvent(
                    rating_id=f.rating_id, kind=kind, at=getattr(f, at), actor_label="演示负责人", note=getattr(f, note)
                )
                for f in follow
                for kind, at, note in steps
                if getattr(f, at) is not None
            ]
        )
    return len(made) + len(mine)


def _citizens_own(rng: random.Random, w: dict[str, Any], now: dt.datetime) -> list[dict[str, Any]]:
    """Three finished cases of the demo citizen: two not rated yet (invitations are due), one
    rated 不满意 whose follow-up has been answered (the citizen can rate the answer)."""
    citizen = w["citizen"]
    if citizen is None:
        return []
    out = []
    for k, (ago, level) in enumerate(((6, None), (5, None), (12, 2))):
        day = (now - dt.timedelta(days=ago + 2)).astimezone(SHANGHAI).date()
        c = _one(rng, w, day, 90 + k, now - dt.timedelta(days=ago))
        c.update(
            person=(citizen.person_id, citizen.id_number, citizen.real_name),
            applicant=citizen.pk,
            channel="online",
            status="completed",
            level=level,
        )
        c["accepted"] = c["accepted"] or c["submitted"] + dt.timedelta(hours=1)
        c["decided"] = c["accepted"] + dt.timedelta(days=1)
        c["closed"] = c["decided"] + dt.timedelta(hours=2)
        out.append(c)
    return out


def demo_load(*, now: dt.datetime, stdout: Any) -> None:
    """Generate the demo cases once, then bring the figures up to date."""
    from tongban.cases.models import Case
    from tongban.insights.services import figures_rebuild, figures_refresh

    if Case.objects.filter(number__regex=r"^\d{6}-\d{8}-6\d{5}$").exists():
        report = figures_refresh(now=now)
        stdout.write(f"insights: demo cases exist; figures refreshed ({report.days} days)")
        return
    from tongban.feedback.services import invitations_scan, invitations_send

    n = generate(now=now)
    invitations_scan(now=now)
    invitations_send(now=now)
    report = figures_rebuild(now=now)
    stdout.write(
        f"insights: {n} demo cases over {DAYS} days; figures built ({report.days} days, {report.seconds:.1f} s)"
    )
