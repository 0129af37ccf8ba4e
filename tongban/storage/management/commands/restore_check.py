"""``tongban restore-check``: what a restore drill compares, as JSON (G19).

Run it against the production database and against the restored scratch copy (DATABASE_URL and
TONGBAN_S3_BUCKET pointing there) and compare the two outputs: the row count of every table, the
audit chain's verification, and every certificate's online verification status at one instant
(``--at``), which reads the signing keys, the certificate rows and their revocations.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser

from tongban.audit.services import audit_verify
from tongban.certificates.selectors import certificate_tokens
from tongban.certificates.services import certificate_verify
from tongban.common.clock import now


class Command(BaseCommand):
    help = "Print row counts, the audit chain's check and every certificate's verification, for a restore drill."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="verify certificates at this ISO instant (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        at = dt.datetime.fromisoformat(options["at"]) if options["at"] else now()
        counts = {m._meta.db_table: m._default_manager.count() for m in apps.get_models() if m._meta.managed}
        chain = audit_verify()
        certificates = {
            number: certificate_verify(token=token, at=at, channel="restore-check", record=False).status.value
            for number, token in certificate_tokens()
        }
        report = {
            "at": at.isoformat(),
            "rows": dict(sorted(counts.items())),
            "audit": {"ok": chain.ok, "entries": chain.entries},
            "certificates": certificates,
        }
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
