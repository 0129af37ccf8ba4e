"""A case tells its applicant about each event that concerns them: one message per event (inbox
and SMS), none when the event rolls back, and a failing channel retried once."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest
from django.db import transaction

from tongban.cases.models import Case, Status
from tongban.cases.notices import commitments_due_notify
from tongban.cases.services import case_accept, case_refuse, case_transition, cases_sweep
from tongban.notifications.channels import MemorySmsBackend
from tongban.notifications.models import Delivery, DeliveryStatus, Message
from tongban.notifications.services import delivery_attempt

from .conftest import submit

pytestmark = pytest.mark.django_db


def _messages(kind: str) -> list[Message]:
    return list(Message.objects.filter(kind=kind))


def _accepted(personas: Any, now: dt.datetime) -> Case:
    case = _submitted(personas, now, presented=["paper"])
    return case_accept(number=case.number, actor=personas.clerk, now=now)


def _submitted(personas: Any, now: dt.datetime, **kw: Any) -> Case:
    """A citizen's case brought to the clerk's window (in the clerk's scope)."""
    case = submit(personas.citizen, "t_doc", now=now, form={}, **kw)
    Case.objects.filter(pk=case.pk).update(accepting_outlet=personas.outlet)
    return case


def test_refusal_at_intake_tells_the_applicant_the_reason(
    items: None, personas: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    case = _submitted(personas, now)
    with django_capture_on_commit_callbacks(execute=True):
        case_refuse(number=case.number, actor=personas.clerk, now=now, reason="户口簿与本人不符")
    [message] = _messages("case_refused")
    assert message.recipient_id == personas.citizen.pk and message.inbox
    assert message.params["reason"] == "户口簿与本人不符" and message.params["case"] == case.number
    [sms] = MemorySmsBackend.outbox
    assert "户口簿与本人不符" in sms.text and case.number in sms.text
    assert Delivery.objects.get(message=message).status == DeliveryStatus.SENT


def test_supplement_request_and_result_each_make_one_message(
    items: None, personas: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    approver = personas.approvers["huzheng"]
    case = _accepted(personas, now)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(
            number=case.number, to=Status.SUPPLEMENT_REQUESTED, actor=approver, now=now, reason="申请书未签名"
        )
    assert [m.params["reason"] for m in _messages("supplement_requested")] == ["申请书未签名"]
    later = now + dt.timedelta(hours=1)
    case_transition(number=case.number, to=Status.RESUBMITTED, actor=personas.citizen, now=later)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(number=case.number, to=Status.APPROVED, actor=approver, now=later)
    assert Case.objects.get(pk=case.pk).status == Status.RESULT_ISSUED  # the task issued it after commit
    assert len(_messages("result_issued")) == 1
    assert len(_messages("supplement_requested")) == 1  # the later moves made no second one
    assert {m.kind for m in Message.objects.all()} == {"supplement_requested", "result_issued"}


def test_no_message_when_the_event_rolls_back(
    items: None, personas: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    case = _submitted(personas, now)

    def refusal_that_fails() -> None:
        with transaction.atomic():
            case_refuse(number=case.number, actor=personas.clerk, now=now, reason="材料不符")
            raise RuntimeError("the request failed after the refusal")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        refusal_that_fails()
    assert callbacks == [] and Message.objects.count() == 0 and MemorySmsBackend.outbox == []
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED


def test_overdue_sweep_tells_the_applicant_once(
    items: None, personas: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    case = _accepted(personas, now)
    deadline = Case.objects.get(pk=case.pk).deadline_at
    assert deadline is not None
    late = deadline + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert cases_sweep(now=late).overdue_flagged == [case.number]
        cases_sweep(now=late + dt.timedelta(hours=1))
    [message] = _messages("case_overdue")
    assert message.params["case"] == case.number
    assert len(MemorySmsBackend.outbox) == 1


def test_commitment_deadline_near_reminds_once(
    items: None, personas: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.CASE_COMMITMENT_REMIND_HOURS = 72
    case = submit(personas.citizen, "t_doc", now=now, form={})
    due = now + dt.timedelta(hours=48)
    Case.objects.filter(pk=case.pk).update(status=Status.ACCEPTED, under_commitment=True, commitment_due_at=due)
    far = submit(personas.citizen, "t_doc", now=now, form={}, idempotency_key="far")
    Case.objects.filter(pk=far.pk).update(
        status=Status.ACCEPTED, under_commitment=True, commitment_due_at=now + dt.timedelta(days=20)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert commitments_due_notify(at=now) == 1
        commitments_due_notify(at=now + dt.timedelta(hours=1))
    [message] = _messages("commitment_deadline_near")
    assert message.params["case"] == case.number and message.params["due"] == {"datetime": due.isoformat()}
    assert len(MemorySmsBackend.outbox) == 1


class FailOnce:
    """Fails the first send, then delivers to MemorySmsBackend.outbox."""

    failed: ClassVar[bool] = False

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        if not FailOnce.failed:
            FailOnce.failed = True
            raise ConnectionError("gateway timeout")
        MemorySmsBackend().send(to=to, text=text, idempotency_key=idempotency_key)


def test_a_failing_channel_is_retried_once(
    items: None, personas: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.NOTIFY_SMS_BACKEND = f"{__name__}.FailOnce"
    FailOnce.failed = False
    case = _submitted(personas, now)
    with django_capture_on_commit_callbacks(execute=True):
        case_refuse(number=case.number, actor=personas.clerk, now=now, reason="材料不符")
    delivery = Delivery.objects.get(message__kind="case_refused")
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and MemorySmsBackend.outbox == []
    assert delivery.next_attempt_at is not None
    assert delivery_attempt(delivery_id=delivery.pk, at=delivery.next_attempt_at) == "sent"
    assert delivery_attempt(delivery_id=delivery.pk, at=delivery.next_attempt_at) == "not_due"
    assert len(MemorySmsBackend.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
