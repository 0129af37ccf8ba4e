"""Notification writes: ``notify`` (inside the caller's transaction), sending each delivery once
with retries, and the inbox's read marks.

Exactly once, as far as a channel allows: ``notify`` creates at most one message per
``(kind, key)`` and one delivery per channel; the send task is enqueued only after the caller's
transaction commits (none on rollback) and carries only the delivery's id; a worker claims the
delivery with one conditional UPDATE (pending → sending) before it calls the channel, so a task
delivered twice, or a retry racing a sweep, sends once. A crash between the channel call and the
"sent" mark leaves the delivery "sending"; the sweep hands it back after ``NOTIFY_STALE_SECONDS``
with the same idempotency key, which a gateway uses to drop the repeat.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from tongban.common.access import access_get
from tongban.common.errors import Invalid
from tongban.common.masking import mask_text
from tongban.notifications.channels import channel_send
from tongban.notifications.kinds import KINDS, Kind, render
from tongban.notifications.models import Channel, Delivery, DeliveryStatus, Message

log = logging.getLogger(__name__)
_TERMINAL = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)


def _is_account(recipient: Any) -> bool:
    return hasattr(recipient, "is_authenticated") and hasattr(recipient, "role")


def notify(
    *,
    recipient: Any,
    kind: str,
    key: str,
    params: dict[str, Any],
    at: dt.datetime,
    channels: Iterable[str] | None = None,
    language: str | None = None,
) -> Message:
    """Tell ``recipient`` (an account, or a registry person who has none yet) about one event.

    Call it inside the transaction that records the event: the message and its deliveries are
    written there, the sending is queued when it commits, and nothing is sent if it rolls back.
    ``key`` identifies the event within ``kind``; a second call with the same pair returns the
    first message and sends nothing more. ``channels`` defaults to the kind's; the language is
    the account's (or ``language``, or Chinese). Raises Invalid for an unknown kind or channel, or
    missing params.
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise Invalid(f"unknown notification kind {kind!r}", code="notification_kind")
    missing = [name for name in spec.params if name not in params]
    chosen = tuple(dict.fromkeys(spec.channels if channels is None else channels))
    if missing or any(c not in Channel.values for c in chosen):
        raise Invalid(f"notification {kind}: missing {missing} or bad channels {chosen}", code="notification_params")
    account = _is_account(recipient)
    lang = language or (getattr(recipient, "language", "") if account else "") or settings.LANGUAGE_CODE
    with transaction.atomic():
        message, created = Message.objects.get_or_create(
            kind=kind,
            key=key,
            defaults={
                "recipient": recipient if account else None,
                "person": None if account else recipient,
                "language": lang,
                "params": params,
                "inbox": account and spec.inbox and not spec.sensitive,
                "created_at": at,
            },
        )
        if not created:
            return message
        deliveries = Delivery.objects.bulk_create(
            [Delivery(message=message, channel=c, idempotency_key=_idempotency_key(kind, key, c)) for c in chosen]
        )
        ids = [d.pk for d in deliveries]
        if ids:
            transaction.on_commit(partial(_enqueue, ids))
    return message


def _idempotency_key(kind: str, key: str, channel: str) -> str:
    return hashlib.sha256(f"{kind}\n{key}\n{channel}".encode()).hexdigest()


def _enqueue(ids: list[int], run_after: dt.datetime | None = None) -> None:
    from tongban.notifications.tasks import delivery_send

    for pk in ids:
        if run_after is not None and delivery_send.get_backend().supports_defer:
            delivery_send.using(run_after=run_after).enqueue(pk)
        elif run_after is None:
            delivery_send.enqueue(pk)
        # else the sweep (deliveries_send_due) sends it when it falls due


def _address(delivery: Delivery) -> str:
    message = delivery.message
    if message.recipient is not None:
        user = message.recipient
        return str((user.phone if delivery.channel == Channel.SMS else user.email) or "")
    if delivery.channel == Channel.SMS and message.person_id is not None:
        from tongban.registry.selectors import person_for_sources

        person = person_for_sources(pk=message.person_id)
        return str(person.phone or "") if person is not None else ""
    return ""


def _backoff(attempts: int) -> dt.timedelta:
    seconds = settings.NOTIFY_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, 3600))


def delivery_attempt(*, delivery_id: int, at: dt.datetime) -> str:
    """Send one delivery if it is due and nobody else has it. Returns what happened: ``sent``,
    ``retry`` (failed, another attempt queued), ``failed`` (attempts used up), ``skipped`` (no
    address for the channel) or ``not_due`` (already sent, being sent, or not yet due).

    Runs outside any transaction: the claim and the outcome are each one short write, and no
    transaction stays open while the channel is called."""
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))
        .update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, last_attempt_at=at)
    )
    if not claimed:
        return "not_due"
    delivery = Delivery.objects.select_related("message", "message__recipient").get(pk=delivery_id)
    message = delivery.message
    to = _address(delivery)
    if not to:
        _finish(delivery, status=DeliveryStatus.SKIPPED)
        return "skipped"
    try:
        subject, body = render(kind=message.kind, params=message.params, language=message.language)
        channel_send(
            channel=delivery.channel, to=to, subject=subject, body=body, idempotency_key=delivery.idempotency_key
        )
    except Exception as exc:  # any channel failure is retried; the reason is kept, masked
        error = mask_text(f"{type(exc).__name__}: {exc}")[:200]
        log.warning("notification delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)
        if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            _finish(delivery, status=DeliveryStatus.FAILED, error=error)
            return "failed"
        due = at + _backoff(delivery.attempts)
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.PENDING, next_attempt_at=due, last_error=error
        )
        _enqueue([delivery.pk], run_after=due)
        return "retry"
    _finish(delivery, status=DeliveryStatus.SENT, sent_at=at)
    return "sent"


def _finish(delivery: Delivery, *, status: str, error: str = "", sent_at: dt.datetime | None = None) -> None:
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=status, sent_at=sent_at, last_error=error, next_attempt_at=None
        )
        spec = KINDS.get(delivery.message.kind)
        open_ = Delivery.objects.filter(message_id=delivery.message_id).exclude(status__in=_TERMINAL)
        if spec is not None and spec.sensitive and not open_.exists():
            # a one-time code is not kept once nobody will send it again
            Message.objects.filter(pk=delivery.message_id).update(params={})


def deliveries_send_due(*, at: dt.datetime) -> int:
    """The sweep: hand back deliveries stuck in "sending" (a worker died mid-send) and queue
    every pending delivery that is due. Returns how many were queued."""
    stale = at - dt.timedelta(seconds=settings.NOTIFY_STALE_SECONDS)
    Delivery.objects.filter(status=DeliveryStatus.SENDING, last_attempt_at__lt=stale).update(
        status=DeliveryStatus.PENDING, next_attempt_at=None
    )
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    _enqueue(ids)
    return len(ids)


def message_mark_read(*, user: Any, message_id: int, at: dt.datetime) -> Message:
    """Mark one of the user's inbox messages read (again: no change). Raises NotFound.

    The read mark is the reader's own view state, not a record of the bureau: no audit entry."""
    # Only the recipient: staff may read records, but a read mark is the reader's own.
    message = access_get(user, Message.objects.filter(inbox=True, recipient_id=user.pk), pk=message_id)
    if message.read_at is None:
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=at)
        message.read_at = at
    return message


def messages_mark_all_read(*, user: Any, at: dt.datetime) -> int:
    """Mark every unread inbox message of the user read; returns how many."""
    return Message.objects.filter(recipient_id=user.pk, inbox=True, read_at__isnull=True).update(read_at=at)


def kinds_register(kinds: Iterable[Kind]) -> None:
    """Add another module's message kinds (at start-up, from its AppConfig.ready; idempotent)."""
    for kind in kinds:
        KINDS.setdefault(kind.code, kind)
