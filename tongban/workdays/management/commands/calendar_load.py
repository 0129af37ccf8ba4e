"""``tongban calendar-load --year 2027 [--file schedule.txt]``: load a year's State Council schedule.

Without ``--file`` the schedule comes from the chinesecalendar package. The file lists only the
exceptions, one per line: ``2027-02-06 holiday 春节`` or ``2027-02-14 workday 春节调休``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongban.common.clock import now
from tongban.common.errors import DomainError
from tongban.workdays.services import calendar_year_load, schedule_from_chinesecalendar, schedule_parse


class Command(BaseCommand):
    help = "Load one year of the statutory holiday calendar (from chinesecalendar or a schedule file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--file", type=Path, help="schedule file: 'YYYY-MM-DD holiday|workday [name]' per line")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        path: Path | None = options["file"]
        try:
            if path is not None:
                rules = schedule_parse(text=path.read_text(encoding="utf-8"), year=year)
                source = f"file {path.name}"
            else:
                rules = schedule_from_chinesecalendar(year=year)
                source = "chinesecalendar"
            cy = calendar_year_load(year=year, rules=rules, source=source, now=now())
        except (DomainError, OSError) as exc:
            raise CommandError(str(exc)) from None
        workdays = cy.days.filter(workday=True).count()
        self.stdout.write(f"{year}: {workdays} working days loaded from {source} ({len(rules)} exceptions)")
