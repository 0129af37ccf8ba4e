"""A 专场's slots in the administrators' console (Django admin): a slot that bookings point at is
never deleted, the administrator is told why and what to do instead, in Chinese or English; a
slot without bookings deletes; every write is audited; nothing answers 500."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tongban.appointments.models import Appointment, AppointmentStatus, Slot, SpecialSession
from tongban.appointments.services import appointment_book, appointment_cancel
from tongban.appointments.tests.conftest import ITEM
from tongban.appointments.tests.test_flags import _session, _student
from tongban.audit.models import AuditEntry
from tongban.common.clock import SHANGHAI

pytestmark = pytest.mark.django_db

LIVE_ZH = (
    "2026-03-14 09:00–10:00 时段已有 1 个有效预约，不能删除，以免预约群众到场无法办理。"
    "如要停止接受新预约，请把该时段的容量改为已约人数（1），或取消勾选本专场的“启用”后保存；"
    "已预约的群众仍按预约办理，也可自行取消或改约。"
)
LIVE_EN = (
    "The slot 2026-03-14 09:00–10:00 has 1 active booking and cannot be deleted: the person who booked it "
    "would come to the outlet for nothing. To stop new bookings, lower the slot's capacity to the number "
    "already booked (1), or untick “Active” for this session and save. Those who booked are still served "
    "as booked, and may cancel or reschedule themselves."
)
RECORD_ZH = (
    "2026-03-14 09:00–10:00 时段留有 1 条预约记录（已取消、已签到或爽约），记录须保留，不能删除。"
    "如要停止接受新预约，请把该时段的容量改为已约人数（0），或取消勾选本专场的“启用”后保存。"
)
SESSION_ZH = (
    "专场“高考学生专场”的时段留有 1 条预约记录（其中 1 个有效预约），记录须保留，不能删除。"
    "如要停办，请取消勾选“启用”后保存：不再接受新预约，已预约的群众仍按预约办理，也可自行取消或改约。"
)
SESSION_EN = (
    "The slots of the special session “高考学生专场” hold 1 booking record (active: 1), which must be kept, "
    "so the session cannot be deleted. To end it, untick “Active” and save: it takes no new bookings, "
    "and those who booked are still served as booked, or may cancel or reschedule themselves."
)


def _post_data(session: SpecialSession, *, delete: int | None = None, capacity: dict[int, int] | None = None) -> dict:
    """What the session's change page posts back, with one slot ticked for deletion or new capacities."""
    slots = list(session.slots.order_by("start"))
    data: dict[str, Any] = {
        "outlet": str(session.outlet_id),
        "group": session.group,
        "label_zh": session.label_zh,
        "label_en": session.label_en,
        "note_zh": session.note_zh,
        "note_en": session.note_en,
        "min_age": "" if session.min_age is None else str(session.min_age),
        "max_age": "" if session.max_age is None else str(session.max_age),
        "active": "on",
        "slots-TOTAL_FORMS": str(len(slots)),
        "slots-INITIAL_FORMS": str(len(slots)),
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "1000",
        "_continue": "1",
    }
    for i, slot in enumerate(slots):
        start, end = slot.start.astimezone(SHANGHAI), slot.end.astimezone(SHANGHAI)
        data |= {
            f"slots-{i}-id": str(slot.pk),
            f"slots-{i}-session": str(session.pk),
            f"slots-{i}-start_0": f"{start:%Y-%m-%d}",
            f"slots-{i}-start_1": f"{start:%H:%M:%S}",
            f"slots-{i}-end_0": f"{end:%Y-%m-%d}",
            f"slots-{i}-end_1": f"{end:%H:%M:%S}",
            f"slots-{i}-capacity": str((capacity or {}).get(slot.pk, slot.capacity)),
        }
        if slot.pk == delete:
            data[f"slots-{i}-DELETE"] = "on"
    return data


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _admin(api: Any, personas: Any, lang: str = "zh-hans") -> Client:
    client: Client = api(personas.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


@pytest.fixture
def booked(station: Any, now: dt.datetime) -> tuple[SpecialSession, Slot, Slot, Appointment]:
    """The exam students' session with a booking in its first slot; its second slot is free."""
    session = _session(station, now)
    first, second = session.slots.order_by("start")
    appt = appointment_book(user=_student(), item_code=ITEM, slot_id=first.pk, at=now)
    return session, first, second, appt


def _change_url(session: SpecialSession) -> str:
    return reverse("admin:appointments_specialsession_change", args=[session.pk])


@pytest.mark.parametrize(("lang", "words"), [("zh-hans", LIVE_ZH), ("en", LIVE_EN)])
def test_a_booked_slot_is_not_deleted_and_the_administrator_is_told_why(
    personas: Any, api: Any, booked: Any, lang: str, words: str
) -> None:
    session, first, _, appt = booked
    response = _admin(api, personas, lang).post(_change_url(session), _post_data(session, delete=first.pk))
    assert response.status_code == 200  # the page again, with the reason at the slots
    text = _text(response)
    assert words in text
    assert "protected" not in text and "受保护" not in text  # not Django's list of protected objects
    assert Slot.objects.filter(pk=first.pk, booked=1).exists()
    assert Appointment.objects.get(pk=appt.pk).status == AppointmentStatus.BOOKED
    assert not AuditEntry.objects.filter(action__startswith="admin.").exists()  # nothing was written


def test_a_slot_with_only_past_bookings_keeps_them(personas: Any, api: Any, booked: Any, now: dt.datetime) -> None:
    session, first, _, appt = booked
    appointment_cancel(user=appt.user, number=appt.number, at=now)
    response = _admin(api, personas).post(_change_url(session), _post_data(session, delete=first.pk))
    assert response.status_code == 200 and RECORD_ZH in _text(response)
    assert Slot.objects.filter(pk=first.pk, booked=0).exists()
    assert Appointment.objects.get(pk=appt.pk).status == AppointmentStatus.CANCELLED


def test_a_free_slot_deletes_and_the_deletion_is_audited(personas: Any, api: Any, booked: Any) -> None:
    session, first, second, _ = booked
    response = _admin(api, personas).post(_change_url(session), _post_data(session, delete=second.pk))
    assert response.status_code == 302
    assert list(session.slots.values_list("pk", flat=True)) == [first.pk]
    (entry,) = AuditEntry.objects.filter(action="admin.change")
    assert (entry.object_type, entry.object_id, entry.actor_id) == (
        "appointments.specialsession",
        str(session.pk),
        personas.admin.pk,
    )
    assert entry.data["inlines"] == [
        {"model": "appointments.slot", "added": [], "changed": [], "deleted": [str(second.pk)], "fields": []}
    ]


def test_a_booking_taken_while_the_page_was_open_keeps_its_slot(
    personas: Any, api: Any, booked: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form's check passes (the slot looked free), a booking lands before the save: the
    locked re-check in ``session_slot_delete`` keeps the slot, says why, and the audit entry does
    not claim a deletion."""
    session, first, _, appt = booked
    monkeypatch.setattr("tongban.appointments.admin.slot_delete_refusal", lambda slot: None)
    client = _admin(api, personas)
    response = client.post(_change_url(session), _post_data(session, delete=first.pk), follow=True)
    assert response.status_code == 200 and LIVE_ZH in _text(response)
    assert Slot.objects.filter(pk=first.pk, booked=1).exists() and Appointment.objects.filter(pk=appt.pk).exists()
    (entry,) = AuditEntry.objects.filter(action="admin.change")
    assert "inlines" not in entry.data


def test_capacity_cannot_go_below_the_places_booked(personas: Any, api: Any, booked: Any) -> None:
    session, first, _, _ = booked
    client = _admin(api, personas)
    response = client.post(_change_url(session), _post_data(session, capacity={first.pk: 0}))
    assert response.status_code == 200 and "容量不能少于已约人数（1）" in _text(response)
    assert Slot.objects.get(pk=first.pk).capacity == 2
    response = client.post(_change_url(session), _post_data(session, capacity={first.pk: 1}))
    assert response.status_code == 302  # down to the places booked: no new booking fits
    assert (Slot.objects.get(pk=first.pk).capacity, Slot.objects.get(pk=first.pk).booked) == (1, 1)


@pytest.mark.parametrize(("lang", "words"), [("zh-hans", SESSION_ZH), ("en", SESSION_EN)])
def test_a_session_with_bookings_is_not_deleted(personas: Any, api: Any, booked: Any, lang: str, words: str) -> None:
    session, *_ = booked
    client = _admin(api, personas, lang)
    url = reverse("admin:appointments_specialsession_delete", args=[session.pk])
    for response in (client.get(url), client.post(url, {"post": "yes"})):
        assert response.status_code == 302 and response["Location"] == _change_url(session)
    page = _text(client.get(_change_url(session)))
    assert words in page
    assert SpecialSession.objects.filter(pk=session.pk).exists() and session.slots.count() == 2
    assert not AuditEntry.objects.filter(action="admin.delete").exists()


def test_a_session_without_bookings_deletes_with_its_slots(
    personas: Any, api: Any, station: Any, now: dt.datetime
) -> None:
    session = _session(station, now)
    client = _admin(api, personas)
    url = reverse("admin:appointments_specialsession_delete", args=[session.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and not confirm.context["perms_lacking"] and not confirm.context["protected"]
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not SpecialSession.objects.filter(pk=session.pk).exists() and not Slot.objects.filter(session__isnull=False)
    (entry,) = AuditEntry.objects.filter(action="admin.delete")
    assert (entry.object_type, entry.object_id) == ("appointments.specialsession", str(session.pk))


def test_a_slot_has_no_delete_of_its_own(personas: Any, api: Any, booked: Any) -> None:
    """Slots are read-only in the console (plans generate them; a session's are edited on its
    page): the slot's delete address refuses, and the slot stays."""
    _, first, _, _ = booked
    client = _admin(api, personas)
    page = client.get(reverse("admin:appointments_slot_change", args=[first.pk]))
    assert page.status_code == 200 and "deletelink" not in page.content.decode()
    response = client.post(reverse("admin:appointments_slot_delete", args=[first.pk]), {"post": "yes"})
    assert response.status_code == 403 and Slot.objects.filter(pk=first.pk).exists()


def test_sessions_have_no_bulk_delete(personas: Any, api: Any, booked: Any) -> None:
    session = booked[0]
    client = _admin(api, personas)
    changelist = reverse("admin:appointments_specialsession_changelist")
    assert 'value="delete_selected"' not in _text(client.get(changelist))
    response = client.post(changelist, {"action": "delete_selected", "_selected_action": [str(session.pk)]})
    assert response.status_code in (200, 302)  # Django's "no such action", not a list of bookings
    assert SpecialSession.objects.filter(pk=session.pk).exists()
    assert not AuditEntry.objects.filter(action="admin.delete").exists()
