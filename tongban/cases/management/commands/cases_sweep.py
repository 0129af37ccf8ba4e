"""``tongban cases-sweep``: flag broken 告知承诺 commitments and overdue cases (run from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tongban.cases.services import cases_sweep
from tongban.common.clock import now


class Command(BaseCommand):
    help = "Flag 告知承诺 cases whose promised materials are late, and overdue cases."

    def handle(self, *args: Any, **options: Any) -> None:
        report = cases_sweep(now=now())
        self.stdout.write(
            f"flagged for verification: {len(report.verification_flagged)}; overdue: {len(report.overdue_flagged)}"
        )
        for number in report.verification_flagged:
            self.stdout.write(f"  verify {number}")
