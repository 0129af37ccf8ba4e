"""``tongban appointments-daily``: generate slots ahead, record no-shows, queue reminders.

Run it from cron (or a scheduler) a few times a day; every step is idempotent.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tongban.appointments.services import appointments_mark_no_shows, appointments_remind_due, slots_generate_all
from tongban.common.clock import now


class Command(BaseCommand):
    help = "Generate appointment slots ahead, mark no-shows and queue due reminders."

    def handle(self, *args: Any, **options: Any) -> None:
        at = now()
        created = slots_generate_all(at=at)
        no_shows = appointments_mark_no_shows(at=at)
        reminders = appointments_remind_due(at=at)
        self.stdout.write(f"slots created: {created}; no-shows recorded: {no_shows}; reminders queued: {reminders}\n")
