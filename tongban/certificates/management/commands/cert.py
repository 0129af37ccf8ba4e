"""``tongban cert verify|keygen|keys``: the offline certificate tools.

Runs the pure ``certificates.core.cli`` and nothing else: no system checks, no database. It works
on a verifier's laptop where no tongban database exists.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext_lazy

from tongban.certificates.core.cli import main


class Command(BaseCommand):
    help = str(gettext_lazy("电子证照离线工具"))
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("args", nargs="*")
        return parser

    def run_from_argv(self, argv: list[str]) -> None:
        # argv: [prog, "cert", ...]; hand the rest to the core CLI unchanged.
        sys.exit(main(argv[2:], prog=f"{argv[0].rsplit('/', 1)[-1]} cert"))

    def handle(self, *args: str, **options: Any) -> None:
        status = main(list(args))
        if status:
            sys.exit(status)
