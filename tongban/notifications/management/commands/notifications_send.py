"""``tongban notifications-send``: queue every notification delivery that is due (retries after a
failure, deliveries whose task was lost). Run it every minute or so where the task backend cannot
defer (the embedded default); with database workers it only catches stragglers."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tongban.common.clock import now
from tongban.notifications.services import deliveries_send_due


class Command(BaseCommand):
    help = "Queue notification deliveries that are due (retries, stragglers)."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = deliveries_send_due(at=now())
        self.stdout.write(f"deliveries queued: {queued}\n")
