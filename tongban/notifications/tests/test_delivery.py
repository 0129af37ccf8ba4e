"""Notifications reach a person once: one message per event, none on rollback, retried after a
failing channel, never sent twice when the task runs twice (G8)."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest
from django.db import transaction
from django_tasks import default_task_backend

from tongban.notifications.channels import MemorySmsBackend
from tongban.notifications.kinds import KINDS, render
from tongban.notifications.models import Delivery, DeliveryStatus, Message
from tongban.notifications.services import deliveries_send_due, delivery_attempt, notify
from tongban.notifications.tasks import delivery_send

pytestmark = pytest.mark.django_db
REMINDER = {
    "item": {"zh-hans": "机动车驾驶证补领换领", "en": "Driving licence replacement"},
    "outlet": "测试派出所",
    "start": {"datetime": "2026-03-11T01:00:00+00:00"},
    "number": "YY26031100000001",
}


class FlakySms:
    """Fails the first ``failures`` sends, then delivers to MemorySmsBackend.outbox."""

    failures: ClassVar[int] = 0
    calls: ClassVar[int] = 0

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        FlakySms.calls += 1
        if FlakySms.failures > 0:
            FlakySms.failures -= 1
            raise ConnectionError("gateway timeout for 13800001234")
        MemorySmsBackend().send(to=to, text=text, idempotency_key=idempotency_key)


@pytest.fixture
def flaky(settings: Any) -> type[FlakySms]:
    settings.NOTIFY_SMS_BACKEND = f"{__name__}.FlakySms"
    FlakySms.failures, FlakySms.calls = 1, 0
    return FlakySms


def _remind(user: Any, now: dt.datetime, key: str = "YY1") -> Message:
    with transaction.atomic():
        return notify(recipient=user, kind="appointment_reminder", key=key, params=REMINDER, at=now)


def test_one_message_per_event(personas: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any) -> None:
    citizen = personas.citizen
    with django_capture_on_commit_callbacks(execute=True):
        first = _remind(citizen, now)
        again = _remind(citizen, now)
    assert first.pk == again.pk
    assert Message.objects.count() == 1 and Delivery.objects.count() == 1
    assert len(MemorySmsBackend.outbox) == 1
    sms = MemorySmsBackend.outbox[0]
    assert sms.to == citizen.phone
    assert sms.text == (
        "您预约的“机动车驾驶证补领换领”将于 2026-03-11 09:00 在测试派出所办理，预约号 YY26031100000001。"
        "如不能前往，请提前取消预约。"
    )
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_nothing_is_written_or_sent_when_the_event_rolls_back(
    personas: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    def booking_that_fails() -> None:
        with transaction.atomic():
            notify(recipient=personas.citizen, kind="appointment_reminder", key="YY2", params=REMINDER, at=now)
            raise RuntimeError("the booking failed after notify")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        booking_that_fails()
    assert callbacks == []
    assert Message.objects.count() == 0 and Delivery.objects.count() == 0
    assert MemorySmsBackend.outbox == []


def test_a_failing_channel_is_retried_with_backoff_and_then_sends(
    personas: Any, now: dt.datetime, settings: Any, flaky: type[FlakySms], django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        _remind(personas.citizen, now)
    (queued,) = default_task_backend.results  # type: ignore[attr-defined]
    (delivery_id,) = queued.args
    assert delivery_attempt(delivery_id=delivery_id, at=now) == "retry"
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at == now + dt.timedelta(seconds=settings.NOTIFY_RETRY_SECONDS)
    assert "13800001234" not in delivery.last_error and "ConnectionError" in delivery.last_error
    retry = default_task_backend.results[-1]  # type: ignore[attr-defined]
    assert retry.args == [delivery_id] and retry.task.run_after == delivery.next_attempt_at
    # not before it is due
    assert delivery_attempt(delivery_id=delivery_id, at=now + dt.timedelta(seconds=30)) == "not_due"
    assert delivery_attempt(delivery_id=delivery_id, at=delivery.next_attempt_at) == "sent"
    assert flaky.calls == 2 and len(MemorySmsBackend.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2


def test_the_sweep_retries_where_the_task_backend_cannot_defer(
    personas: Any, now: dt.datetime, settings: Any, flaky: type[FlakySms], django_capture_on_commit_callbacks: Any
) -> None:
    # The embedded (immediate) backend: the first try runs at commit and fails; it cannot defer
    # the retry, so the sweep (tongban notifications-send) queues it once it is due.
    with django_capture_on_commit_callbacks(execute=True):
        _remind(personas.citizen, now)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert MemorySmsBackend.outbox == []
    later = delivery.next_attempt_at
    assert later is not None
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    assert deliveries_send_due(at=later - dt.timedelta(seconds=1)) == 0
    assert deliveries_send_due(at=later) == 1
    (queued,) = default_task_backend.results  # type: ignore[attr-defined]
    assert queued.args == [delivery.pk]
    assert delivery_attempt(delivery_id=delivery.pk, at=later) == "sent"
    assert len(MemorySmsBackend.outbox) == 1 and flaky.calls == 2


def test_never_sent_twice_when_the_task_runs_twice(
    personas: Any, now: dt.datetime, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        _remind(personas.citizen, now)
    (queued,) = default_task_backend.results  # type: ignore[attr-defined]
    # delivered twice by the queue: the first run sends, the second finds nothing to do
    assert delivery_send.call(*queued.args) == "sent"
    assert delivery_send.call(*queued.args) == "not_due"
    assert len(MemorySmsBackend.outbox) == 1
    # the task carries the delivery's id only: no phone number or text in the queue (G15)
    assert queued.args == [Delivery.objects.get().pk] and queued.kwargs == {}


def test_a_worker_dying_mid_send_is_handed_back_with_the_same_idempotency_key(
    personas: Any, now: dt.datetime, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        _remind(personas.citizen, now)
    delivery = Delivery.objects.get()
    # claimed, then the process died before recording the outcome
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, attempts=1, last_attempt_at=now)
    assert deliveries_send_due(at=now + dt.timedelta(seconds=60)) == 0  # still being sent, as far as we know
    stale = now + dt.timedelta(seconds=settings.NOTIFY_STALE_SECONDS + 1)
    assert deliveries_send_due(at=stale) == 1
    assert delivery_attempt(delivery_id=delivery.pk, at=stale) == "sent"
    assert MemorySmsBackend.outbox[0].idempotency_key == delivery.idempotency_key


def test_gives_up_after_max_attempts_and_wipes_one_time_codes(
    personas: Any, now: dt.datetime, settings: Any, flaky: type[FlakySms], django_capture_on_commit_callbacks: Any
) -> None:
    from conftest import make_person
    from tongban.common.ids import make_id_number

    settings.NOTIFY_MAX_ATTEMPTS = 2
    flaky.failures = 5
    person = make_person(make_id_number("330106", dt.date(1970, 1, 1), 5), "钱七")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = notify(
            recipient=person, kind="registration_code", key="r1", params={"code": "123456", "minutes": 5}, at=now
        )
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and delivery.next_attempt_at
    assert delivery_attempt(delivery_id=delivery.pk, at=delivery.next_attempt_at) == "failed"
    delivery.refresh_from_db()
    message.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2
    assert message.params == {} and message.inbox is False


def test_the_recipient_reads_in_their_own_language(
    personas: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    citizen = personas.citizen
    citizen.language = "en"
    citizen.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        _remind(citizen, now)
    assert MemorySmsBackend.outbox[0].text == (
        'Your appointment for "Driving licence replacement" is at 2026-03-11 09:00 at 测试派出所, '
        "booking number YY26031100000001. If you cannot come, please cancel it in advance."
    )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_in_both_languages(kind: str) -> None:
    spec = KINDS[kind]
    params = {name: f"<{name}>" for name in spec.params}
    zh = render(kind=kind, params=params, language="zh-hans")
    en = render(kind=kind, params=params, language="en")
    assert all(f"<{name}>" in zh[1] and f"<{name}>" in en[1] for name in spec.params)
    assert zh != en and not any("\u4e00" <= ch <= "\u9fff" for ch in "".join(en).replace("<", "").replace(">", ""))


def test_unknown_kind_and_missing_params_are_refused(personas: Any, now: dt.datetime) -> None:
    from tongban.common.errors import Invalid

    with pytest.raises(Invalid):
        notify(recipient=personas.citizen, kind="no_such_kind", key="k", params={}, at=now)
    with pytest.raises(Invalid):
        notify(recipient=personas.citizen, kind="appointment_reminder", key="k", params={"item": "x"}, at=now)
    assert Message.objects.count() == 0


def test_e_mail_goes_through_djangos_backend_once_and_a_missing_address_is_skipped(
    personas: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    citizen, other = personas.citizen, personas.other_citizen
    citizen.email = "zhang@example.cn"
    citizen.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for user in (citizen, other):  # the other has no e-mail address
            notify(
                recipient=user,
                kind="appointment_reminder",
                key=f"mail-{user.pk}",
                params=REMINDER,
                at=now,
                channels=("email",),
            )
    (sent,) = mail.outbox
    assert sent.to == ["zhang@example.cn"] and sent.subject == "预约提醒" and "YY26031100000001" in sent.body
    delivery = Delivery.objects.get(message__recipient=citizen)
    assert sent.extra_headers["X-Tongban-Idempotency-Key"] == delivery.idempotency_key
    assert delivery.status == DeliveryStatus.SENT
    assert Delivery.objects.get(message__recipient=other).status == DeliveryStatus.SKIPPED
