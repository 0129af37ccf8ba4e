"""Delivery channels: SMS through a pluggable backend, e-mail through Django's mail backend.

``settings.NOTIFY_SMS_BACKEND`` names the SMS backend class. The built-in ones write where a
person can read them (a file under ``var/outbox`` in the demo, the console) or keep messages in
memory (tests); a bureau plugs in its SMS gateway with a class of the same shape. Every send
carries the delivery's idempotency key so a gateway that supports it drops a repeat.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from tongban.common.clock import SHANGHAI, now
from tongban.common.masking import mask_phone


class ChannelUnavailable(RuntimeError):
    """The channel cannot send (no gateway configured, gateway down): the delivery is retried."""


class SmsBackend(Protocol):
    """What an SMS gateway adapter provides."""

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        """Send ``text`` to the mobile number ``to``; raise on failure (the delivery is retried)."""


def _line(to: str, text: str, key: str) -> str:
    stamp = now().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    return f"{stamp}  SMS to {mask_phone(to)}  [{key[:12]}]  {text}\n"


class FileSmsBackend:
    """Appends each SMS to ``<outbox>/sms.log`` (the number masked): the demo's phone."""

    lock = threading.Lock()

    @staticmethod
    def path() -> Path:
        return Path(settings.NOTIFY_OUTBOX_DIR) / "sms.log"

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock, path.open("a", encoding="utf-8") as fh:
            fh.write(_line(to, text, idempotency_key))


class ConsoleSmsBackend:
    """Writes each SMS to standard output (the number masked)."""

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        sys.stdout.write(_line(to, text, idempotency_key))
        sys.stdout.flush()


@dataclass(frozen=True, slots=True)
class SentSms:
    to: str
    text: str
    idempotency_key: str


class MemorySmsBackend:
    """Keeps every SMS in ``MemorySmsBackend.outbox`` (tests)."""

    outbox: ClassVar[list[SentSms]] = []

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        self.outbox.append(SentSms(to, text, idempotency_key))


class DisabledSmsBackend:
    """No gateway configured (the production default until a bureau plugs one in)."""

    def send(self, *, to: str, text: str, idempotency_key: str) -> None:
        raise ChannelUnavailable("no SMS gateway configured (TONGBAN_SMS_BACKEND)")


@cache
def _sms_backend(path: str) -> Any:
    return import_string(path)()


def sms_backend() -> SmsBackend:
    """The configured SMS backend (one instance per process and setting)."""
    backend: SmsBackend = _sms_backend(settings.NOTIFY_SMS_BACKEND)
    return backend


def channel_send(*, channel: str, to: str, subject: str, body: str, idempotency_key: str) -> None:
    """Send one rendered message on ``channel``. Raises whatever the channel raises."""
    if channel == "sms":
        sms_backend().send(to=to, text=body, idempotency_key=idempotency_key)
    elif channel == "email":
        EmailMessage(subject=subject, body=body, to=[to], headers={"X-Tongban-Idempotency-Key": idempotency_key}).send(
            fail_silently=False
        )
    else:
        raise ChannelUnavailable(f"unknown channel {channel!r}")
