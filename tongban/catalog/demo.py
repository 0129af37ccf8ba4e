"""Demo data for the catalog: the shipped item files (idempotent; unchanged files are skipped)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongban.catalog.selectors import catalog_figures
from tongban.catalog.services import catalog_load


def demo_load(*, now: dt.datetime, stdout: Any) -> None:
    """Load the item files; a second run writes nothing."""
    report = catalog_load(at=now)
    f = catalog_figures()
    stdout.write(
        f"catalog: {f.items} items ({len(report.created)} new, {len(report.updated)} updated); "
        f"{f.online} online, {f.id_card_only} ID-card only, {f.zero_materials} zero materials"
    )
