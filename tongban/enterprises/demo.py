"""Demo enterprises with fleets, members, truck passes (one issued, so the roadside page has a
pass to check) and liaison requests in every state. Generated from a fixed seed; idempotent: a
second run finds the enterprises and adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from tongban.common.errors import DomainError
from tongban.enterprises.models import (
    Enterprise,
    FleetVehicle,
    LiaisonRequest,
    MemberRole,
    Membership,
)
from tongban.enterprises.uscc import make_uscc

SEED = 19
NAMES = ["城东冷链物流有限公司", "恒通建材运输有限公司", "快达城市配送有限公司", "港城危险品运输有限公司"]
STREETS = ["经济开发区长江路88号", "高新区科技大道16号", "物流园区港城路201号", "化工园区滨海路9号"]
# (body, length mm, gross kg): light vans, the 6.0 m / 8.0 t edge, medium box trucks, large trucks.
MODELS = [
    ("van", 5995, 4490),
    ("van", 6000, 8000),
    ("van", 5990, 7990),
    ("box", 7200, 11000),
    ("box", 9600, 18000),
    ("flatbed", 12000, 25000),
    ("tanker", 11990, 31000),
    ("dump", 8500, 25000),
]
PROBLEMS = [
    ("货车夜间通行路线咨询", "我司冷链车凌晨配送，请问城区限行区夜间可走哪些道路？"),
    ("员工居住证办理", "新入职外地员工20名，能否安排上门集中办理居住证？"),
    ("厂区周边交通拥堵", "上下班高峰厂区门口拥堵严重，希望增设信号灯。"),
    ("紧急出境商务", "公司高管下周需赴港洽谈，港澳通行证签注能否加急？"),
    ("危化品车辆停放", "园区内危化品车辆临时停放点如何报备？"),
    ("工地周边治安", "工地夜间有人偷盗钢材，请求加强巡逻。"),
]


def _users() -> dict[str, Any]:
    from tongban.accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in=["approver-zhian", "approver-jiaoguan"])}
    citizens = list(User.objects.filter(role="citizen", person__isnull=False).order_by("pk")[:2])
    for i, u in enumerate(citizens):
        users[f"citizen{i}"] = u
    return users


def demo_load(*, now: dt.datetime, stdout: Any) -> None:
    """Create the demo enterprises once (needs the demo accounts and the catalog)."""
    from django.conf import settings

    from tongban.enterprises.services import enterprise_liaison_assign, liaison_reply, liaison_resolve

    if Enterprise.objects.exists():
        stdout.write("enterprises: demo data present")
        return
    users = _users()
    admin_user = users.get("citizen0")
    if admin_user is None:
        stdout.write("enterprises: no demo citizen yet, skipped")
        return
    rng = random.Random(SEED)
    region = f"{settings.DEMO_CITY_CODE}06"[:6]
    prefix = {"33": "浙A", "32": "苏D", "37": "鲁F"}.get(region[:2], "浙A")
    officer = users.get("approver-zhian")
    made: list[Enterprise] = []
    seq = 0
    for i, name in enumerate(NAMES):
        e = Enterprise.objects.create(
            uscc=make_uscc(region=region, seq=rng.randrange(10**6, 10**8)),
            name=name,
            region_code=region,
            address=STREETS[i],
            registered_on=dt.date(2008 + i * 3, 1 + i, 10 + i),
        )
        for _ in range(rng.randint(4, 8)):
            seq += 1
            body, length, mass = MODELS[seq % len(MODELS)] if seq <= len(MODELS) else rng.choice(MODELS)
            FleetVehicle.objects.create(
                enterprise=e,
                plate=f"{prefix}{rng.choice('DFGHKL')}{rng.randrange(10000, 99999)}"[:10],
                body=body,
                length_mm=length,
                gross_kg=mass,
                registered_on=dt.date(2018 + rng.randrange(6), rng.randint(1, 12), rng.randint(1, 28)),
            )
        if officer is not None:
            enterprise_liaison_assign(enterprise=e, officer=officer, actor=None, now=now)
        made.append(e)
    # The first demo citizen administers the first two enterprises; the second is a member.
    for e in made[:2]:
        Membership.objects.create(enterprise=e, person=admin_user.person, role=MemberRole.ADMIN, added_at=now)
    other = users.get("citizen1")
    if other is not None:
        Membership.objects.create(enterprise=made[0], person=other.person, role=MemberRole.MEMBER, added_at=now)
        Membership.objects.create(enterprise=made[2], person=other.person, role=MemberRole.ADMIN, added_at=now)
    _liaison(made, admin_user, officer, now, rng, liaison_reply, liaison_resolve)
    passes = _passes(made[0], admin_user, users.get("approver-jiaoguan"), now, stdout)
    stdout.write(
        f"enterprises: {len(made)} enterprises, {FleetVehicle.objects.count()} vehicles, "
        f"{LiaisonRequest.objects.count()} liaison requests, {passes} truck passes"
    )


def _liaison(made: list[Enterprise], user: Any, officer: Any, now: dt.datetime, rng: random.Random, reply: Any,
             resolve: Any) -> None:  # fmt: skip
    from tongban.enterprises.services import liaison_file

    for i, (subject, body) in enumerate(PROBLEMS * 2):
        e = made[i % 2]
        at = now - dt.timedelta(days=40 - i * 3, hours=rng.randrange(8))
        r = liaison_file(actor=user, uscc=e.uscc, subject=subject, body=body, now=at)
        if officer is None or i % 6 == 5:
            continue  # still open
        reply(actor=officer, pk=r.pk, reply="已收到，民警将于两个工作日内上门对接。", now=at + dt.timedelta(hours=5))
        if i % 6 != 4:
            resolve(actor=user, pk=r.pk, now=at + dt.timedelta(days=1))


def _passes(e: Enterprise, user: Any, approver: Any, now: dt.datetime, stdout: Any) -> int:
    """Two vehicles applied for at once; the large truck's pass approved and issued."""
    from tongban.cases.services import case_accept, case_transition
    from tongban.enterprises.services import truck_pass_apply

    vehicles = list(e.vehicles.order_by("-gross_kg"))
    plates = [vehicles[0].plate, vehicles[-1].plate]
    try:
        passes = truck_pass_apply(
            actor=user, uscc=e.uscc, plates=plates, start_on=(now - dt.timedelta(days=2)).date(), days=90,
            area="城区限行区域", now=now - dt.timedelta(days=2, hours=3),
        )  # fmt: skip
        if approver is not None:
            at = now - dt.timedelta(days=2, hours=2)
            case_accept(number=passes[0].case_number, actor=approver, now=at)
            case_transition(number=passes[0].case_number, to="approved", actor=approver, now=at)
    except DomainError as exc:
        stdout.write(f"enterprises: demo passes skipped: {exc.message}")
        return 0
    return len(passes)
