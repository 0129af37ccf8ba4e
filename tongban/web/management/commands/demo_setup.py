"""``tongban demo-setup``: the demo city, outlets, accounts and every module's demo data.

Idempotent: a second run reuses what exists and finishes in seconds.
"""

from __future__ import annotations

import datetime
import importlib
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from tongban.common.clock import now
from tongban.registry.selectors import registry_population
from tongban.web.demo import DEMO_PASSWORD, demo_accounts, demo_help

# Outlets come first so the demo clerk is placed at a generated police-station window before any
# module creates cases at the clerk's outlet; the audit module comes last, to sign a checkpoint of
# everything the others wrote.
MODULE_ORDER = (
    "workdays",
    "outlets",
    "catalog",
    "photos",
    "cases",
    "certificates",
    "appointments",
    "notifications",
    "rentals",
    "insights",
    "audit",
)
BEFORE_ACCOUNTS = ("workdays", "outlets")


class Command(BaseCommand):
    help = "Load the demo city and demo accounts (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        at = now()
        if registry_population() == 0:
            self.stdout.write(f"generating the demo city ({options['people']} people)…")
            call_command("gen_city", people=options["people"], seed=options["seed"], stdout=self.stdout)
        for module in BEFORE_ACCOUNTS:
            self._load(module, at)
        accounts = demo_accounts(at=at)
        for module in MODULE_ORDER:
            if module not in BEFORE_ACCOUNTS:
                self._load(module, at)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for line in accounts:
            self.stdout.write(f"  {line}")
        for line in demo_help(site=settings.SITE_URL):
            self.stdout.write(line)

    def _load(self, module: str, at: datetime.datetime) -> None:
        try:
            demo = importlib.import_module(f"tongban.{module}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"tongban.{module}.demo":
                raise
            return
        demo.demo_load(now=at, stdout=self.stdout)
