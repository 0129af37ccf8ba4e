"""``tongban gen-city --people N --seed S [--city 3301] [--as-of DATE] [--replace]``.

Builds the synthetic city into the registry. Same seed, size and reference date → identical data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongban.common.clock import local_today, now
from tongban.registry.generator import (
    MAX_PEOPLE,
    CityNotDefined,
    RegistryInUse,
    RegistryNotEmpty,
    city_generate,
)


class Command(BaseCommand):
    help = "Generate a synthetic city (people, households, addresses, documents, vehicles) into the registry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=20_000, help="number of people (default 20000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--city", default="3301", help="4-digit city code with a data file (default 3301 杭州)")
        parser.add_argument(
            "--as-of",
            dest="as_of",
            type=dt.date.fromisoformat,
            default=None,
            help="reference date for ages and validity (default: today in Asia/Shanghai)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="empty the registry tables first: accounts linked to people are unlinked; refused while cases "
            "point at registry people",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        people = int(options["people"])
        if not 1 <= people <= MAX_PEOPLE:
            raise CommandError(f"--people must be between 1 and {MAX_PEOPLE}")
        at = now()
        as_of = options.get("as_of") or local_today(at)
        verbosity = int(options.get("verbosity", 1))

        def progress(done: int, total: int) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  {done:>10,} / {total:,} people")

        try:
            report = city_generate(
                people=people,
                seed=int(options["seed"]),
                as_of=as_of,
                now=at,
                city_code=str(options["city"]),
                replace=bool(options.get("replace")),
                progress=progress,
            )
        except (RegistryNotEmpty, RegistryInUse, CityNotDefined) as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            rows = ", ".join(f"{k} {v:,}" for k, v in report.rows.items())
            self.stdout.write(
                f"gen-city {report.city} seed {report.seed} as of {report.as_of}: {report.people:,} people "
                f"into {report.backend} in {report.seconds:.1f} s ({rows})"
            )
            if verbosity >= 2 and report.phases:
                self.stdout.write("  phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.phases.items()))
