"""``tongban figures-refresh [--rebuild]``: bring the figures up to date with the case and rating
histories (incremental; run from cron every few minutes), or rebuild them all."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongban.common.clock import now


class Command(BaseCommand):
    help = "Refresh the figures incrementally (or --rebuild every fact and rollup from the cases)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="rebuild everything from scratch")

    def handle(self, *args: Any, **options: Any) -> None:
        from tongban.insights.services import figures_rebuild, figures_refresh

        r = figures_rebuild(now=now()) if options["rebuild"] else figures_refresh(now=now())
        self.stdout.write(f"cases: {r.cases}; days rebuilt: {r.days}; {r.seconds:.2f} s")
