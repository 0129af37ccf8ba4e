"""``tongban audit verify``: check the hash chain of the audit log."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongban.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit log tools: `verify` recomputes the hash chain and reports tampering."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        if report.ok:
            self.stdout.write(f"OK: {report.entries} entries, chain intact")
            return
        for problem in report.problems:
            self.stderr.write(problem)
        raise CommandError(f"audit chain broken ({len(report.problems)} problem(s) in {report.entries} entries)")
