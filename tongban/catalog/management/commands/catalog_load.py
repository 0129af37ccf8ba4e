"""``tongban catalog-load``: validate the item files and load them as new versions.

``--check`` only validates (exit status 1 and one line per problem, naming file and field).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongban.catalog.loader import ITEMS_DIR, CatalogFileError, item_files_read
from tongban.catalog.selectors import catalog_figures
from tongban.catalog.services import catalog_load
from tongban.common.clock import now


class Command(BaseCommand):
    help = "Validate catalog/items/*.yaml and load changed items as new versions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=ITEMS_DIR, help="directory of item files")
        parser.add_argument("--check", action="store_true", help="validate only; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["dir"]
        if not directory.is_dir():
            raise CommandError(f"{directory}: not a directory")
        try:
            if options["check"]:
                loaded = item_files_read(directory)
                self.stdout.write(f"{len(loaded)} item files valid")
                return
            report = catalog_load(at=now(), directory=directory)
        except CatalogFileError as exc:
            for line in exc.problems:
                self.stderr.write(line)
            raise CommandError(f"{len(exc.problems)} problem(s) in the item files; nothing was loaded") from None
        self.stdout.write(
            f"catalog: {len(report.created)} created, {len(report.updated)} new versions, "
            f"{len(report.unchanged)} unchanged"
        )
        f = catalog_figures()
        self.stdout.write(
            f"figures: {f.items} items, {f.online} online, {f.id_card_only} ID-card only, "
            f"{f.zero_materials} zero materials"
        )
