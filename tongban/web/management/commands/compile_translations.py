"""``tongban compile-translations``: compile every .po to .mo with Babel (no GNU gettext needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.core.management.base import BaseCommand

import tongban


class Command(BaseCommand):
    help = "Compile tongban's translation catalogs (.po → .mo)."

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(tongban.__file__).parent
        count = 0
        for po_path in sorted(root.glob("**/locale/*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as fh:
                catalog = read_po(fh)
            with mo_path.open("wb") as fh:
                write_mo(fh, catalog)
            count += 1
        self.stdout.write(f"compiled {count} catalog(s)")
