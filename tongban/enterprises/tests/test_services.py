"""Service tests: members, truck passes for one or many vehicles (classes at the edges, all or
nothing), and every state of a liaison request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongban.audit.models import AuditEntry
from tongban.cases.models import Case
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.common.ids import make_id_number
from tongban.enterprises.models import LiaisonRequest, LiaisonStatus, Membership, TruckPass
from tongban.enterprises.selectors import liaison_figures, liaison_requests_for
from tongban.enterprises.services import (
    liaison_file,
    liaison_reopen,
    liaison_reply,
    liaison_resolve,
    membership_add,
    truck_pass_apply,
)

START = dt.date(2026, 3, 10)


def apply(fleet: Any, now: dt.datetime, *plates: str, user: Any = None, days: int = 90) -> list[TruckPass]:
    return truck_pass_apply(
        actor=user or fleet.admin, uscc=fleet.enterprise.uscc, plates=list(plates), start_on=START, days=days,
        area="城区限行区域", now=now,
    )  # fmt: skip


def test_passes_for_many_vehicles_one_case_each(fleet: Any, now: dt.datetime) -> None:
    passes = apply(fleet, now, fleet.van_edge.plate, fleet.box_edge.plate, fleet.van_over.plate, fleet.large.plate)
    by_plate = {p.vehicle.plate: p for p in passes}
    assert {p: t.truck_class for p, t in by_plate.items()} == {
        "浙AD0001": "light",  # a 6.0 m / 8.0 t van is a light truck
        "浙AD0002": "large",  # the same size, not a van
        "浙AD0003": "medium",
        "浙AD0004": "large",
    }
    assert by_plate["浙AD0004"].night_window == "22:30-05:30"
    assert by_plate["浙AD0001"].night_window == ""
    assert by_plate["浙AD0001"].hours == "绕城公路及货运通道全天；城区主干道全天；城区限行区道路全天"
    cases = Case.objects.filter(number__in=[p.case_number for p in passes])
    assert cases.count() == 4
    case = cases.get(number=by_plate["浙AD0004"].case_number)
    assert case.item_code == "truck_pass"
    assert case.person_id == fleet.admin.person_id
    assert case.form_data["gross_kg"] == 25000  # from the vehicle record, not typed
    assert case.form_data["vehicle_class"] == "大型货车"
    assert case.form_data["operator"] == "测试物流有限公司"
    assert case.materials.get(code="enterprise_vehicle").state != "missing"
    assert AuditEntry.objects.filter(action="truck_pass.apply").count() == 4


def test_a_plate_of_another_enterprise_refuses_all(fleet: Any, now: dt.datetime) -> None:
    with pytest.raises(Invalid) as exc:
        apply(fleet, now, fleet.van_edge.plate, "浙AZ9999")
    assert exc.value.code == "vehicle_not_registered"
    assert exc.value.extra["plates"] == ["浙AZ9999"]
    assert not TruckPass.objects.exists() and not Case.objects.exists()


def test_more_than_90_days_refused_and_nothing_left(fleet: Any, now: dt.datetime) -> None:
    with pytest.raises(Invalid):
        apply(fleet, now, fleet.van_edge.plate, fleet.large.plate, days=91)
    assert not TruckPass.objects.exists() and not Case.objects.exists()


def test_a_member_cannot_apply(fleet: Any, now: dt.datetime) -> None:
    with pytest.raises(Forbidden):
        apply(fleet, now, fleet.van_edge.plate, user=fleet.member)
    assert not Case.objects.exists()


def test_an_outsider_does_not_see_the_enterprise(fleet: Any, now: dt.datetime, personas: Any) -> None:
    with pytest.raises(Forbidden):
        apply(fleet, now, fleet.van_edge.plate, user=personas.clerk)
    Membership.objects.filter(person=fleet.member.person).delete()
    with pytest.raises(NotFound):
        apply(fleet, now, fleet.van_edge.plate, user=fleet.member)


def test_no_plates(fleet: Any, now: dt.datetime) -> None:
    with pytest.raises(Invalid):
        apply(fleet, now, " ")


def test_member_add(fleet: Any, now: dt.datetime, personas: Any) -> None:
    from conftest import make_person

    idn = make_id_number("330106", dt.date(1988, 2, 3), 789)
    make_person(idn, "王五")
    m = membership_add(actor=fleet.admin, uscc=fleet.enterprise.uscc, id_number=idn, role="member", now=now)
    assert (m.person.name, m.role) == ("王五", "member")
    assert AuditEntry.objects.filter(action="enterprise.member_add").count() == 1
    with pytest.raises(Conflict):
        membership_add(actor=fleet.admin, uscc=fleet.enterprise.uscc, id_number=idn, role="admin", now=now)
    with pytest.raises(Forbidden):  # members do not add members
        membership_add(actor=fleet.member, uscc=fleet.enterprise.uscc, id_number=idn, role="member", now=now)
    unknown = make_id_number("330106", dt.date(1970, 1, 1), 999)
    with pytest.raises(Invalid):  # real-name: the person must be in the registry
        membership_add(actor=fleet.admin, uscc=fleet.enterprise.uscc, id_number=unknown, role="member", now=now)
    assert Membership.objects.filter(enterprise=fleet.enterprise).count() == 3


# --- liaison requests: open → replied → resolved, replied → open -----------------------------


def test_liaison_every_state(fleet: Any, now: dt.datetime, personas: Any) -> None:
    officer = personas.approvers["zhian"]
    r = liaison_file(actor=fleet.member, uscc=fleet.enterprise.uscc, subject="夜间路线", body="请问路线", now=now)
    assert (r.status, r.officer_id) == (LiaisonStatus.OPEN, officer.pk)
    with pytest.raises(Conflict):  # nothing to resolve before a reply
        liaison_resolve(actor=fleet.member, pk=r.pk, now=now)
    later = now + dt.timedelta(hours=2)
    r = liaison_reply(actor=officer, pk=r.pk, reply="走绕城公路", now=later)
    assert (r.status, r.replied_at, r.reply) == (LiaisonStatus.REPLIED, later, "走绕城公路")
    with pytest.raises(Conflict):
        liaison_reply(actor=officer, pk=r.pk, reply="again", now=later)
    r = liaison_reopen(actor=fleet.member, pk=r.pk, now=later)
    assert (r.status, r.replied_at) == (LiaisonStatus.OPEN, None)
    r = liaison_reply(actor=officer, pk=r.pk, reply="已协调", now=later)
    r = liaison_resolve(actor=fleet.admin, pk=r.pk, now=later)
    assert (r.status, r.resolved_at) == (LiaisonStatus.RESOLVED, later)
    with pytest.raises(Conflict):
        liaison_reopen(actor=fleet.member, pk=r.pk, now=later)
    actions = list(
        AuditEntry.objects.filter(object_type="liaison_request", object_id=str(r.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "liaison.file", "liaison.reply", "liaison.reopen", "liaison.reply", "liaison.resolve"
    ]  # fmt: skip


def test_liaison_scope(fleet: Any, now: dt.datetime, personas: Any) -> None:
    r = liaison_file(actor=fleet.admin, uscc=fleet.enterprise.uscc, subject="s", body="b", now=now)
    with pytest.raises(NotFound):  # an approver of another department
        liaison_reply(actor=personas.approvers["huzheng"], pk=r.pk, reply="x", now=now)
    with pytest.raises(NotFound):
        liaison_file(actor=personas.citizen, uscc="91330106000000CT7L", subject="s", body="b", now=now)
    with pytest.raises(Invalid):
        liaison_file(actor=fleet.admin, uscc=fleet.enterprise.uscc, subject=" ", body="b", now=now)
    assert list(liaison_requests_for(user=personas.approvers["huzheng"])) == []
    assert list(liaison_requests_for(user=personas.approvers["zhian"])) == [r]
    assert list(liaison_requests_for(user=fleet.member)) == [r]
    assert LiaisonRequest.objects.count() == 1


def test_resolved_share(fleet: Any, now: dt.datetime, personas: Any) -> None:
    officer = personas.approvers["zhian"]
    assert liaison_figures(qs=LiaisonRequest.objects.all())["resolved_share"] is None
    for i in range(3):
        r = liaison_file(actor=fleet.admin, uscc=fleet.enterprise.uscc, subject=f"s{i}", body="b", now=now)
        if i < 2:
            liaison_reply(actor=officer, pk=r.pk, reply="ok", now=now)
        if i < 1:
            liaison_resolve(actor=officer, pk=r.pk, now=now)
    got = liaison_figures(qs=liaison_requests_for(user=officer))
    assert got == {"total": 3, "resolved": 1, "open": 1, "resolved_share": 33.3}
