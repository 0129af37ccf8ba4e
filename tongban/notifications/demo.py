"""Demo messages: each demo citizen's inbox says their account is open (idempotent), and the
demo says where its SMS and e-mail go."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction

from tongban.accounts.models import User
from tongban.common.roles import Role
from tongban.notifications.selectors import sms_outbox_path
from tongban.notifications.services import notify


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


def demo_load(*, now: dt.datetime, stdout: Writer) -> None:
    """An "account open" message in every demo citizen's inbox (once per account)."""
    citizens = User.objects.filter(role=Role.CITIZEN, person__isnull=False).order_by("pk")[:5]
    with transaction.atomic():
        for user in citizens:
            notify(
                recipient=user,
                kind="account_created",
                key=f"account_created:{user.pk}",
                params={"at": {"datetime": (user.date_joined or now).isoformat()}},
                at=now,
            )
    sms = sms_outbox_path() or "(TONGBAN_SMS_BACKEND)"
    stdout.write(f"notifications: SMS are written to {sms}; e-mail to {settings.EMAIL_FILE_PATH}\n")
