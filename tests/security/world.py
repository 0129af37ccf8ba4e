"""The planted world of the access matrix: two citizens with cases, a certificate and a booking,
clerks at two outlets, an approver per department, an auditor and an administrator.

Each citizen's ID number, name and phone are canaries: the other citizen and anonymous callers
must never see them, and no refused answer (4xx) may carry them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

ROLES = (
    "anon",
    "citizen_a",
    "citizen_b",
    "clerk_x",
    "clerk_y",
    "approver_huzheng",
    "approver_churujing",
    "approver_jiaoguan",
    "approver_zhian",
    "auditor",
    "admin",
)
BOOK_ITEM = "driver_licence_replace"


@dataclass
class World:
    users: dict[str, Any]
    ids: dict[str, str]  # placeholders in the matrix's paths → values
    canaries: dict[str, list[str]] = field(default_factory=dict)  # citizen role → their secrets


def plant(personas: Any, now: dt.datetime) -> World:
    """Create the world (inside the test's database)."""
    from tongban.accounts.services import api_token_create
    from tongban.appointments.models import Slot
    from tongban.appointments.services import appointment_book, slot_plan_set, slots_generate
    from tongban.audit.models import AuditEntry
    from tongban.cases.services import case_accept, case_submit
    from tongban.cases.tests.conftest import ITEMS
    from tongban.catalog.services import catalog_load
    from tongban.certificates.services import certificate_issue
    from tongban.certificates.tests.conftest import SAMPLE_FACTS
    from tongban.dogs.tests.world import plant_dogs
    from tongban.notifications.services import notify
    from tongban.outlets.geo import DayKind
    from tongban.outlets.services import outlet_upsert
    from tongban.rentals.tests.world import plant_rentals

    catalog_load(at=now, directory=ITEMS)
    a, b = personas.citizen, personas.other_citizen
    case_a = case_submit(actor=a, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]).case
    case_accept(number=case_a.number, actor=personas.approvers["huzheng"], now=now)
    case_b = case_submit(actor=b, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]).case
    cert_a = certificate_issue(
        template="NCR",
        holder_id_number=a.id_number,
        holder_name=a.real_name,
        facts=SAMPLE_FACTS["NCR"],
        case_number=case_a.number,
        issued_at=now,
        actor=personas.approvers["zhian"],
    )
    station = outlet_upsert(
        code="T-PS-BOOK",
        name="测试综合窗口",
        kind="police_station",
        region_code="330106",
        lat=30.2862,
        lng=120.1226,
        bookable=True,
        items=[BOOK_ITEM],
        at=now,
        hours={d: "09:00-12:00,13:30-17:30" for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    plan = slot_plan_set(outlet=station, group="jiaoguan", counters=2, visit_minutes=15, at=now)
    slots_generate(plan=plan, start_day=dt.date(2026, 4, 2), days=2, at=now, calendar=lambda d: DayKind.WORKDAY)
    slots = list(Slot.objects.filter(outlet=station).order_by("start")[:2])
    appt_a = appointment_book(user=a, item_code=BOOK_ITEM, slot_id=slots[0].pk, at=now)
    token_a, _raw = api_token_create(user=a, name="矩阵", days=30, at=now)
    message_a = notify(
        recipient=a,
        kind="appointment_reminder",
        key=f"matrix-{appt_a.number}",
        params={"item": BOOK_ITEM, "outlet": station.name, "start": now.isoformat(), "number": appt_a.number},
        at=now,
        channels=(),
    )
    uscc_a, liaison_a = _enterprise_of(a, personas, now)
    visit_a = _home_visit_of(a, personas, now)
    users = {
        "anon": None,
        "citizen_a": a,
        "citizen_b": b,
        "clerk_x": personas.clerk,
        "clerk_y": personas.other_clerk,
        **{f"approver_{d}": u for d, u in personas.approvers.items()},
        "auditor": personas.auditor,
        "admin": personas.admin,
    }
    ids = {
        "case_a": case_a.number,
        "case_b": case_b.number,
        "cert_a": cert_a.number,
        "appt_a": appt_a.number,
        "slot_2": str(slots[1].pk),
        "token_a": str(token_a.pk),
        "message_a": str(message_a.pk),
        "rating": "999999",
        "followup": "999999",
        "outlet_x": personas.outlet.code,
        "id_a": a.id_number,
        "item": "t_doc",
        "book_item": BOOK_ITEM,
        "capture": "999999",
        "derivative": "999999",
        "standard": "id_card",
        "slug": "t_doc",
        "uscc_a": uscc_a,
        "liaison_a": str(liaison_a),
        "visit_a": visit_a,
    }
    ids.update(plant_rentals(personas, now))
    ids["audit_entry"] = str(AuditEntry.objects.order_by("-id").values_list("id", flat=True).first())
    ids.update(plant_dogs(personas, now))
    canaries = {
        "citizen_a": [a.id_number, a.real_name, a.phone],
        "citizen_b": [b.id_number, b.real_name, b.phone],
    }
    return World(users=users, ids=ids, canaries=canaries)


def _home_visit_of(a: Any, personas: Any, now: dt.datetime) -> str:
    """Citizen A's 上门办 request for t_doc at clerk X's outlet (which offers home visits)."""
    from tongban.appointments.visits import home_visit_request
    from tongban.outlets.services import outlet_upsert

    outlet = personas.outlet
    outlet_upsert(
        code=outlet.code,
        name=outlet.name,
        kind=outlet.kind,
        region_code=outlet.region_code,
        lat=outlet.lat,
        lng=outlet.lng,
        items=["t_doc"],
        home_visit=True,
        at=now,
    )
    visit = home_visit_request(
        user=a,
        item_code="t_doc",
        outlet_code=outlet.code,
        address="测试地址1号",
        phone="13800000123",
        reason="行动不便",
        at=now,
    )
    return visit.number


def _enterprise_of(a: Any, personas: Any, now: dt.datetime) -> tuple[str, int]:
    """Citizen A administers an enterprise with one truck and has filed a liaison request."""
    from tongban.enterprises.models import Enterprise, FleetVehicle, Membership
    from tongban.enterprises.services import liaison_file
    from tongban.enterprises.uscc import make_uscc

    e = Enterprise.objects.create(
        uscc=make_uscc(region="330106", seq=77), name="矩阵测试物流有限公司", region_code="330106",
        address="测试路 1 号", registered_on=dt.date(2015, 1, 1), liaison=personas.approvers["zhian"],
    )  # fmt: skip
    FleetVehicle.objects.create(
        enterprise=e, plate="浙AM0001", body="van", length_mm=5990, gross_kg=4000, registered_on=dt.date(2020, 1, 1)
    )
    Membership.objects.create(enterprise=e, person=a.person, role="admin", added_at=now)
    return e.uscc, liaison_file(actor=a, uscc=e.uscc, subject="矩阵", body="矩阵测试", now=now).pk
