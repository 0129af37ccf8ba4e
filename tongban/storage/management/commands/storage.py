"""``tongban storage``: reconcile the object store with the database, export and import it.

    tongban storage reconcile [--grace SECONDS] [--no-hashes] [--delete-orphans] [--json]
    tongban storage export DIR
    tongban storage import DIR

``reconcile`` exits non-zero when it finds orphans, dangling references or altered files, so a
scheduled run alerts.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongban.common.clock import now
from tongban.common.errors import DomainError


class Command(BaseCommand):
    help = "Object-store upkeep: reconcile (orphans, dangling references, SM3 digests), export, import."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rec = sub.add_parser("reconcile", help="compare the store with the database")
        rec.add_argument("--grace", type=int, default=300, help="seconds an unreferenced object may be in flight")
        rec.add_argument("--no-hashes", action="store_true", help="skip reading files back for their SM3 digest")
        rec.add_argument("--delete-orphans", action="store_true", help="delete the orphans found (audited)")
        rec.add_argument("--json", action="store_true", help="print the report as JSON")
        exp = sub.add_parser("export", help="copy every object and a manifest into a directory")
        exp.add_argument("directory", type=Path)
        imp = sub.add_parser("import", help="write an export back into the configured store")
        imp.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        from tongban.storage.services import storage_export, storage_import, storage_reconcile

        try:
            if options["action"] == "export":
                count = storage_export(directory=options["directory"])
                self.stdout.write(f"exported {count} objects to {options['directory']}")
                return
            if options["action"] == "import":
                count = storage_import(directory=options["directory"])
                self.stdout.write(f"imported {count} objects from {options['directory']}")
                return
            report = storage_reconcile(
                now=now(),
                grace=dt.timedelta(seconds=max(0, options["grace"])),
                hashes=not options["no_hashes"],
                delete_orphans=options["delete_orphans"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(
                f"stored {report.stored}, referenced {report.referenced}, orphans {len(report.orphans)}, "
                f"dangling {len(report.dangling)}, hashes checked {report.hash_checked}, "
                f"mismatched {len(report.hash_mismatches)}, without digest {report.unhashed}, "
                f"in flight {report.recent}, deleted {len(report.deleted)}"
            )
            for name in report.orphans:
                self.stdout.write(f"orphan {name}")
            for ref in report.dangling:
                self.stdout.write(f"dangling {ref}")
            for name in report.hash_mismatches:
                self.stdout.write(f"mismatch {name}")
        if not report.ok:
            raise CommandError("storage and database disagree")
