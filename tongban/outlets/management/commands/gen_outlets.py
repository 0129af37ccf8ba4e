"""``tongban gen-outlets``: the demo city's outlets, spread with the registry's population."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongban.common.clock import now
from tongban.outlets.demo import outlets_generate


class Command(BaseCommand):
    help = "Generate about 200 demo outlets in Hangzhou, spread with the population (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        outlets_generate(at=now(), seed=options["seed"], stdout=self.stdout)
