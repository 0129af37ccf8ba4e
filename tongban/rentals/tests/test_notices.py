"""通知通告: a notice reaches exactly the landlords of approved properties and the tenants living in
its area, once each; the station publishes only inside its district; the daily reminder job."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tongban.audit.models import AuditEntry
from tongban.common.errors import Forbidden, Invalid
from tongban.notifications.models import Message
from tongban.rentals.bulletins import notice_areas, notice_publish, notices_for
from tongban.rentals.hazards import hazard_record
from tongban.rentals.services import property_declare, property_review, tenancy_move_out

pytestmark = pytest.mark.django_db


def _citizen(seq: int, name: str) -> Any:
    from conftest import make_person
    from tongban.accounts.models import User
    from tongban.common.ids import make_id_number

    idn = make_id_number("330106", dt.date(1985, 1, 2), seq)
    person = make_person(idn, name)
    return User.objects.create_user(
        username=idn, password="pw-citizen-123", role="citizen", id_number=idn, real_name=name, person=person
    )


@pytest.fixture
def town(rent: Any) -> dict[str, Any]:
    """District 330106 with two streets: street 001 holds the landlord's home (community 001001,
    a tenant living there, a tenant who moved out) and street 002 a second landlord's property."""
    from tongban.registry.models import Address, Region

    district = Region.objects.get(code="330106")
    street1 = Region.objects.create(code="330106001", name="西溪街道", level="street", parent=district)
    street2 = Region.objects.create(code="330106002", name="北山街道", level="street", parent=district)
    Region.objects.filter(code="330106001001").update(parent=street1)
    community2 = Region.objects.create(code="330106002001", name="北山社区", level="community", parent=street2)
    elsewhere = Address.objects.create(
        community=community2, district_code="330106", detail="北山路 9 号", full="浙江省杭州市测试区北山路 9 号"
    )
    home = rent.approved()
    rent.moved_in(home)
    gone = _citizen(701, "王五")
    left = rent.moved_in(home, tenant=gone)
    tenancy_move_out(pk=left.pk, actor=gone, moved_out_on=dt.date(2026, 3, 2), now=rent.now)
    other = _citizen(702, "赵六")
    far = property_declare(
        landlord=other, address_id=elsewhere.pk, rooms=1, capacity=2, certificate_no="浙2024000123", now=rent.now
    )
    property_review(number=far.number, actor=rent.officer, approve=True, now=rent.now)
    pending_owner = _citizen(703, "钱七")
    pending_addr = Address.objects.create(
        community=community2, district_code="330106", detail="北山路 11 号", full="浙江省杭州市测试区北山路 11 号"
    )
    property_declare(
        landlord=pending_owner,
        address_id=pending_addr.pk,
        rooms=1,
        capacity=1,
        certificate_no="浙2024000999",
        now=rent.now,
    )
    return {"gone": gone, "other": other, "pending_owner": pending_owner, "home": home, "far": far}


def _reached(kind: str = "rental_notice") -> list[int]:
    return sorted(Message.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_a_street_notice_reaches_its_landlords_and_tenants_once(rent: Any, town: dict[str, Any]) -> None:
    notice = notice_publish(
        actor=rent.officer, area_code="330106001", title="消防检查", body="本周五检查楼道消防设施。", now=rent.now
    )
    assert _reached() == sorted([rent.landlord.pk, rent.tenant.pk])
    assert sorted(notice.deliveries.values_list("user_id", flat=True)) == _reached()
    assert [n.pk for n in notices_for(user=rent.landlord)] == [notice.pk]
    assert [n.pk for n in notices_for(user=rent.tenant)] == [notice.pk]
    for outside in (town["gone"], town["other"], town["pending_owner"]):
        assert notices_for(user=outside) == []
    entry = AuditEntry.objects.get(action="rental_notice.publish")
    assert entry.object_id == str(notice.pk) and entry.data == {"area": "330106001", "recipients": 2}


def test_a_district_notice_reaches_every_street_and_a_person_once(rent: Any, town: dict[str, Any]) -> None:
    # the other landlord also lives as a tenant in the first street: still one message
    rent.moved_in(town["home"], tenant=town["other"])
    notice_publish(actor=rent.officer, area_code="330106", title="通知", body="正文", now=rent.now)
    assert _reached() == sorted([rent.landlord.pk, rent.tenant.pk, town["other"].pk])
    notice_publish(actor=rent.officer, area_code="330106002001", title="社区通知", body="正文", now=rent.now)
    assert _reached().count(town["other"].pk) == 2 and _reached().count(rent.landlord.pk) == 1


def test_only_the_station_officers_publish_inside_their_district(
    rent: Any, town: dict[str, Any], personas: Any
) -> None:
    with pytest.raises(Forbidden):
        notice_publish(actor=personas.approvers["huzheng"], area_code="330106", title="t", body="b", now=rent.now)
    with pytest.raises(Forbidden):
        notice_publish(actor=rent.landlord, area_code="330106", title="t", body="b", now=rent.now)
    placed = rent.officer
    placed.outlet = personas.other_outlet  # the station of district 330108
    placed.save(update_fields=["outlet"])
    with pytest.raises(Forbidden):
        notice_publish(actor=placed, area_code="330106001", title="t", body="b", now=rent.now)
    assert {a["code"] for a in notice_areas(user=placed)} <= {"330108"}
    placed.outlet = personas.outlet  # district 330106
    placed.save(update_fields=["outlet"])
    assert {"330106", "330106001", "330106002", "330106001001", "330106002001"} <= {
        a["code"] for a in notice_areas(user=placed)
    }
    with pytest.raises(Invalid):
        notice_publish(actor=placed, area_code="999999", title="t", body="b", now=rent.now)
    with pytest.raises(Invalid):
        notice_publish(actor=placed, area_code="330106", title="", body="b", now=rent.now)
    notice = notice_publish(actor=placed, area_code="330106002", title="t", body="b", now=rent.now)
    assert notice.station_id == personas.outlet.pk and _reached() == [town["other"].pk]
    assert not Message.objects.filter(kind="rental_notice", recipient=town["pending_owner"]).exists()


def test_notice_pages(rent: Any, town: dict[str, Any], api: Any, personas: Any) -> None:
    officer = api(rent.officer)
    assert officer.get("/rentals/notices/").status_code == 200
    r = officer.post("/rentals/notices/", {"area_code": "330106001", "title": "防火提示", "body": "请勿在楼道充电"})
    assert r.status_code == 302 and _reached() == sorted([rent.landlord.pk, rent.tenant.pk])
    assert officer.post("/rentals/notices/", {"area_code": "330106001", "title": "", "body": "x"}).status_code == 400
    assert "防火提示" in api(rent.tenant).get("/rentals/").content.decode()
    assert "防火提示" not in api(town["other"]).get("/rentals/").content.decode()
    assert api(personas.approvers["huzheng"]).get("/rentals/notices/").status_code == 403


def test_the_daily_job_reminds_overdue_hazards_once(rent: Any, town: dict[str, Any], monkeypatch: Any) -> None:
    hazard = hazard_record(
        number=town["home"].number, actor=rent.officer, kind="gas", note="燃气管老化", working_days=1, now=rent.now
    )
    later = hazard.due_at + dt.timedelta(hours=2)
    import tongban.rentals.management.commands.rentals_daily as command
    import tongban.rentals.tasks as tasks

    monkeypatch.setattr(command, "now", lambda: later)
    monkeypatch.setattr(tasks, "now", lambda: later)
    out = StringIO()
    call_command("rentals_daily", stdout=out)
    assert "reminded: 1" in out.getvalue()
    assert _reached("hazard_overdue") == [rent.landlord.pk]
    out = StringIO()
    call_command("rentals_daily", stdout=out)
    assert "reminded: 0" in out.getvalue() and _reached("hazard_overdue") == [rent.landlord.pk]
    assert tasks.rentals_daily_task.call() == {"hazards_reminded": 0}
