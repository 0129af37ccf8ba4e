"""The inbox page and API, the unread count in the header, and the appointment reminder."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tongban.notifications.channels import MemorySmsBackend
from tongban.notifications.models import Message
from tongban.notifications.services import notify
from tongban.notifications.tests.test_delivery import REMINDER

pytestmark = pytest.mark.django_db


def _messages(user: Any, now: dt.datetime, n: int) -> list[Message]:
    with transaction.atomic():
        return [
            notify(
                recipient=user,
                kind="appointment_reminder",
                key=f"YY{i}",
                params={**REMINDER, "number": f"YY{i:014d}"},
                at=now + dt.timedelta(minutes=i),
                channels=(),
            )
            for i in range(n)
        ]


def test_inbox_lists_my_messages_newest_first_and_marks_them_read(personas: Any, api: Any, now: dt.datetime) -> None:
    mine = _messages(personas.citizen, now, 3)
    _messages(personas.other_citizen, now + dt.timedelta(hours=1), 1)
    client = api(personas.citizen)
    html = client.get("/notifications/").content.decode()
    assert html.count('class="card unread"') == 3
    assert html.index("YY00000000000002") < html.index("YY00000000000000")  # newest first
    assert 'class="inbox-link"' in html and '<span class="badge">3</span>' in html
    assert "2026-03-11 09:00" in html  # the appointment's time, local
    response = client.post(f"/notifications/{mine[0].pk}/read/", {"page": "1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=1"
    assert Message.objects.get(pk=mine[0].pk).read_at is not None
    assert '<span class="badge">2</span>' in client.get("/notifications/").content.decode()
    assert client.post("/notifications/read-all/").status_code == 302
    assert not Message.objects.filter(recipient=personas.citizen, read_at__isnull=True).exists()
    assert '<span class="badge">' not in client.get("/").content.decode().split("</header>")[0]


def test_someone_elses_message_is_not_found(personas: Any, api: Any, now: dt.datetime) -> None:
    (theirs,) = _messages(personas.other_citizen, now, 1)
    client = api(personas.citizen)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{2**63}/read/").status_code == 404
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404
    assert Message.objects.get(pk=theirs.pk).read_at is None
    assert api(None).get("/notifications/").status_code == 302


def test_the_header_count_comes_with_the_user_in_one_statement(personas: Any, api: Any, now: dt.datetime) -> None:
    _messages(personas.citizen, now, 2)
    client = api(personas.citizen)
    client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/").content.decode()
    assert '<span class="badge">2</span>' in html
    reads = [q["sql"] for q in ctx.captured_queries if "notifications_message" in q["sql"]]
    assert len(reads) == 1 and '"accounts_user"' in reads[0]


def test_inbox_in_english_and_a_bad_page_number(personas: Any, api: Any, now: dt.datetime) -> None:
    _messages(personas.citizen, now, 1)
    client = api(personas.citizen)
    client.cookies["django_language"] = "en"
    html = client.get("/notifications/?page=9223372036854775808").content.decode()
    assert "Appointment reminder" in html and "Driving licence replacement" in html and "预约提醒" not in html


def test_api_lists_counts_and_marks_read(personas: Any, api: Any, now: dt.datetime) -> None:
    mine = _messages(personas.citizen, now, 2)
    client = api(personas.citizen)
    body = client.get("/api/v1/notifications/").json()
    assert body["unread"] == 2 and body["pages"] == 1 and [m["read"] for m in body["messages"]] == [False, False]
    assert body["messages"][0]["subject"] == "预约提醒"
    assert client.get("/api/v1/notifications/?page=0").status_code == 422
    assert client.post(f"/api/v1/notifications/{mine[1].pk}/read").status_code == 204
    assert client.get("/api/v1/notifications/unread").json() == {"unread": 1}
    assert client.post("/api/v1/notifications/read-all").status_code == 204
    assert client.get("/api/v1/notifications/unread").json() == {"unread": 0}
    assert api(None).get("/api/v1/notifications/unread").status_code == 401
    assert json.loads(api(personas.other_citizen).get("/api/v1/notifications/").content)["messages"] == []


def test_an_appointment_reminder_reaches_the_inbox_and_the_phone_once(
    personas: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    from tongban.appointments.models import Appointment
    from tongban.appointments.services import appointment_remind
    from tongban.appointments.tests.conftest import ITEM

    slot = _slot(personas, now)
    appt = Appointment.objects.create(
        number="YY26031100000009", user=personas.citizen, slot=slot, outlet=slot.outlet, item_code=ITEM, created_at=now
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert appointment_remind(number=appt.number, at=now) is True
        assert appointment_remind(number=appt.number, at=now) is False
    (message,) = Message.objects.filter(recipient=personas.citizen)
    assert message.kind == "appointment_reminder" and message.inbox
    (sms,) = MemorySmsBackend.outbox
    assert sms.to == personas.citizen.phone and "YY26031100000009" in sms.text and "测试派出所" in sms.text


def _slot(personas: Any, now: dt.datetime) -> Any:
    from tongban.appointments.models import Slot

    start = now + dt.timedelta(days=1)
    return Slot.objects.create(
        outlet=personas.outlet, group="jiaoguan", start=start, end=start + dt.timedelta(minutes=30), capacity=2
    )


def test_each_message_links_to_the_page_it_is_about(personas: Any, api: Any, now: dt.datetime) -> None:
    # the citizen sweep: "已办结，请登录通办查看结果" with nothing to follow was a dead end
    item = {"zh-hans": "无犯罪记录证明", "en": "Certificate of no criminal record"}
    sent: list[tuple[str, dict[str, Any]]] = [
        ("result_issued", {"case": "330108-20260310-000001", "item": item}),
        ("rating_invitation", {"case": "330108-20260310-000002", "item": item}),
        ("appointment_reminder", {**REMINDER, "number": "YY00000000000009"}),
        ("account_created", {"at": {"datetime": now.isoformat()}}),
    ]
    with transaction.atomic():
        for i, (kind, params) in enumerate(sent):
            notify(
                recipient=personas.citizen,
                kind=kind,
                key=f"k{i}",
                params=params,
                at=now + dt.timedelta(minutes=i),
                channels=(),
            )
    html = api(personas.citizen).get("/notifications/").content.decode()
    assert '<a href="/cases/330108-20260310-000001/" class="message-link">查看详情</a>' in html
    assert '<a href="/feedback/rate/330108-20260310-000002/" class="message-link">查看详情</a>' in html
    assert '<a href="/appointments/mine/" class="message-link">查看详情</a>' in html
    assert html.count('class="message-link"') == 3  # the account notice has nowhere to go
