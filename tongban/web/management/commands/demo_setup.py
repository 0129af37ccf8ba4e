"""``tongban demo-setup``: the demo city, outlets, accounts and every module's demo data.

Idempotent: a second run reuses what exists and finishes in seconds.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from tongban.appointments import demo as appointments_demo
from tongban.audit import demo as audit_demo
from tongban.cases import demo as cases_demo
from tongban.catalog import demo as catalog_demo
from tongban.certificates import demo as certificates_demo
from tongban.common.clock import now
from tongban.dogs import demo as dogs_demo
from tongban.enterprises import demo as enterprises_demo
from tongban.insights import demo as insights_demo
from tongban.notifications import demo as notifications_demo
from tongban.outlets import demo as outlets_demo
from tongban.photos import demo as photos_demo
from tongban.registry.selectors import registry_population
from tongban.rentals import demo as rentals_demo
from tongban.web.demo import DEMO_PASSWORD, demo_accounts, demo_help
from tongban.workdays import demo as workdays_demo

# Outlets come first so the demo clerk is placed at a generated police-station window before any
# module creates cases at the clerk's outlet; the audit module comes last, to sign a checkpoint of
# everything the others wrote.
BEFORE_ACCOUNTS: tuple[ModuleType, ...] = (workdays_demo, outlets_demo)
AFTER_ACCOUNTS: tuple[ModuleType, ...] = (
    catalog_demo,
    photos_demo,
    cases_demo,
    certificates_demo,
    appointments_demo,
    notifications_demo,
    insights_demo,
    enterprises_demo,
    rentals_demo,
    dogs_demo,
    audit_demo,
)


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
        for demo in BEFORE_ACCOUNTS:
            demo.demo_load(now=at, stdout=self.stdout)
        accounts = demo_accounts(at=at)
        for demo in AFTER_ACCOUNTS:
            demo.demo_load(now=at, stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for line in accounts:
            self.stdout.write(f"  {line}")
        for line in demo_help(site=settings.SITE_URL):
            self.stdout.write(line)
