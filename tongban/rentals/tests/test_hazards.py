"""房屋隐患: every state of a hazard, deadlines in working days, overdue reminders."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from tongban.audit.models import AuditEntry
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.notifications.models import Message
from tongban.rentals.hazards import (
    hazard_close,
    hazard_record,
    hazard_rectify,
    hazard_reopen,
    hazards_remind_overdue,
)
from tongban.rentals.models import Hazard, HazardState
from tongban.rentals.selectors import is_overdue, rental_figures

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, format="PNG")
    return buf.getvalue()


def record(rent: Any, prop: Any, days: int = 5, **kw: Any) -> Hazard:
    kw.setdefault("kind", "ebike")
    kw.setdefault("note", "楼道内电动车充电")
    return hazard_record(number=prop.number, actor=rent.officer, working_days=days, now=rent.now, **kw)


def test_record_pushes_to_the_landlord_with_a_working_day_deadline(rent: Any) -> None:
    prop = rent.approved()
    h = record(rent, prop, days=5, photo=_png())
    # Tuesday 10 March 2026 10:00 + 5 working days → Tuesday 17 March, end of that working moment
    assert h.due_at.astimezone(SHANGHAI).date() == dt.date(2026, 3, 17)
    assert h.state == HazardState.OPEN and bytes(h.photo or b"")[:4] == b"\x89PNG"
    msg = Message.objects.get(kind="hazard_pushed")
    assert msg.recipient == rent.landlord and msg.params["due"] == {"date": "2026-03-17"}
    assert msg.params["kind"] == {"zh-hans": "电动车室内充电", "en": msg.params["kind"]["en"]}
    assert msg.params["kind"]["en"] != "电动车室内充电"
    assert AuditEntry.objects.filter(action="hazard.record", object_id=str(h.pk)).count() == 1


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"kind": "ghost"}, "kind"),
        ({"note": ""}, "note"),
        ({"days": 0}, "working_days"),
        ({"days": 31}, "working_days"),
        ({"photo": b"GIF89a not a photo"}, "photo"),
    ],
)
def test_record_refuses_bad_input(rent: Any, kw: dict[str, Any], code: str) -> None:
    prop = rent.approved()
    with pytest.raises(Invalid) as e:
        record(rent, prop, **kw)
    assert e.value.code == code
    assert not Hazard.objects.exists()


def test_record_only_by_officers_and_only_on_approved_properties(rent: Any, personas: Any) -> None:
    pending = rent.declare()
    with pytest.raises(Conflict):
        record(rent, pending)
    prop = rent.approved(address_id=personas.other_citizen.person.household.address_id, certificate_no="CERT-000123")
    for actor in (personas.clerk, rent.landlord, personas.approvers["jiaoguan"]):
        with pytest.raises(Forbidden):
            hazard_record(number=prop.number, actor=actor, kind="gas", note="x", working_days=3, now=rent.now)
    assert not Hazard.objects.exists()


def test_rectify_close(rent: Any) -> None:
    prop = rent.approved()
    h = record(rent, prop)
    with pytest.raises(Conflict):
        hazard_close(pk=h.pk, actor=rent.officer, now=rent.now)
    with pytest.raises(NotFound):
        hazard_rectify(pk=h.pk, actor=rent.tenant, note="已整改", now=rent.now)
    with pytest.raises(Invalid):
        hazard_rectify(pk=h.pk, actor=rent.landlord, note=" ", now=rent.now)
    later = rent.now + dt.timedelta(days=1)
    h = hazard_rectify(pk=h.pk, actor=rent.landlord, note="已移出楼道", photo=_png(), now=later)
    assert h.state == HazardState.RECTIFIED and h.rectified_at == later
    with pytest.raises(Conflict):
        hazard_rectify(pk=h.pk, actor=rent.landlord, note="again", now=later)
    with pytest.raises(Forbidden):
        hazard_close(pk=h.pk, actor=rent.landlord, now=later)
    h = hazard_close(pk=h.pk, actor=rent.officer, now=later)
    assert h.state == HazardState.CLOSED and h.closed_at == later
    with pytest.raises(Conflict):
        hazard_reopen(pk=h.pk, actor=rent.officer, note="x", working_days=3, now=later)
    actions = list(AuditEntry.objects.filter(object_type="hazard").order_by("seq").values_list("action", flat=True))
    assert sorted(actions) == ["hazard.close", "hazard.record", "hazard.rectify"]


def test_reopen_sets_a_new_deadline_and_tells_the_landlord(rent: Any) -> None:
    prop = rent.approved()
    h = record(rent, prop)
    hazard_rectify(pk=h.pk, actor=rent.landlord, note="已整改", now=rent.now)
    with pytest.raises(Invalid):
        hazard_reopen(pk=h.pk, actor=rent.officer, note="", working_days=3, now=rent.now)
    h = hazard_reopen(pk=h.pk, actor=rent.officer, note="充电线仍在楼道", working_days=3, now=rent.now)
    assert h.state == HazardState.OPEN and h.reopened == 1
    assert h.due_at.astimezone(SHANGHAI).date() == dt.date(2026, 3, 13)
    assert Message.objects.filter(kind="hazard_reopened", recipient=rent.landlord).count() == 1
    hazard_rectify(pk=h.pk, actor=rent.landlord, note="已拆除", now=rent.now)
    assert hazard_close(pk=h.pk, actor=rent.officer, now=rent.now).state == HazardState.CLOSED


def test_overdue_is_flagged_and_reminded_once(rent: Any) -> None:
    prop = rent.approved()
    h = record(rent, prop, days=1)
    assert not is_overdue(h, h.due_at)
    after = h.due_at + dt.timedelta(seconds=1)
    assert is_overdue(h, after)
    assert hazards_remind_overdue(now=h.due_at) == 0
    assert hazards_remind_overdue(now=after) == 1
    assert hazards_remind_overdue(now=after + dt.timedelta(days=1)) == 0
    assert Message.objects.filter(kind="hazard_overdue").count() == 1
    [row] = rental_figures(user=rent.officer, now=after)
    assert (row.properties, row.approved, row.hazards, row.rectified, row.overdue) == (1, 1, 1, 0, 1)
    hazard_rectify(pk=h.pk, actor=rent.landlord, note="已整改", now=after)
    [row] = rental_figures(user=rent.officer, now=after)
    assert row.overdue == 0


def test_figures_follow_the_scope(rent: Any, personas: Any) -> None:
    prop = rent.approved()
    rent.moved_in(prop)
    record(rent, prop)
    [row] = rental_figures(user=personas.admin, now=rent.now)
    assert (row.district_code, row.tenants, row.tenants_now, row.hazards) == ("330106", 1, 1, 1)
    assert rental_figures(user=personas.other_clerk, now=rent.now) == []
