"""``tongban rentals-daily``: remind landlords of 微安居 hazards past their deadline (once per
deadline; run from cron daily, see docs/deploy.md "Scheduled jobs")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tongban.common.clock import now


class Command(BaseCommand):
    help = "Remind landlords of rental-housing hazards past their rectification deadline (once per deadline)."

    def handle(self, *args: Any, **options: Any) -> None:
        from tongban.rentals.hazards import hazards_remind_overdue

        self.stdout.write(f"overdue hazards reminded: {hazards_remind_overdue(now=now())}")
