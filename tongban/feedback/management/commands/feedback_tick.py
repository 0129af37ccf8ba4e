"""``tongban feedback-tick``: note and send rating invitations, flag overdue 差评 follow-ups
(run from cron every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tongban.common.clock import now


class Command(BaseCommand):
    help = "Note and send rating invitations (3 days after a case finished) and flag overdue 差评 follow-ups."

    def handle(self, *args: Any, **options: Any) -> None:
        from tongban.feedback.followups import followups_sweep
        from tongban.feedback.services import invitations_scan, invitations_send

        at = now()
        noted, sent, late = invitations_scan(now=at), invitations_send(now=at), followups_sweep(now=at)
        self.stdout.write(f"invitations read: {noted}; sent: {sent}; follow-ups flagged overdue: {len(late)}")
