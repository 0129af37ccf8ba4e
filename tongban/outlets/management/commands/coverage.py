"""``tongban coverage --item CODE``: the 15-minute service circle for one item."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongban.common.errors import DomainError
from tongban.outlets.demo import district_names
from tongban.outlets.selectors import outlet_coverage, outlets_for_item


def _wide(text: str) -> int:
    """How many characters of ``text`` take two terminal columns (CJK)."""
    return sum(1 for ch in text if ord(ch) > 0x2E80)


class Command(BaseCommand):
    help = "Share of the registry's population within N minutes of an outlet that accepts an item."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--item", default="", help="catalog item code (default: any outlet)")
        parser.add_argument("--mode", default="walk", choices=["walk", "drive"])
        parser.add_argument("--minutes", type=float, default=15.0)
        parser.add_argument("--worst", type=int, default=10, help="how many worst-served cells")

    def handle(self, *args: Any, **options: Any) -> None:
        item = options["item"] or None
        try:
            report = outlet_coverage(
                item_code=item, mode=options["mode"], minutes=options["minutes"], worst=options["worst"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        out = self.stdout
        outlets = outlets_for_item(item_code=item).count() if item else None
        out.write(f"model: {report.model}\n")
        out.write(
            f"item: {item or '(any outlet)'}"
            + (f" — {outlets} outlets accept it" if outlets is not None else "")
            + "\n"
        )
        out.write(
            f"within {report.minutes:g} min: {report.covered:,} of {report.population:,} people "
            f"({report.share:.1%})\n\n"
        )
        names = district_names()
        out.write(f"{'district':<18}{'people':>12}{'covered':>12}{'share':>9}\n")
        for d in sorted(report.districts, key=lambda d: d.share):
            label = f"{d.district} {names.get(d.district, '')}".strip()
            out.write(f"{label:<{18 - _wide(label)}}{d.population:>12,}{d.covered:>12,}{d.share:>9.1%}\n")
        out.write(f"\nworst-served cells ({len(report.worst_cells)}):\n")
        out.write(f"{'lat':>10}{'lng':>11}{'people':>8}  {'district':<9}{'minutes':>8}\n")
        for c in report.worst_cells:
            minutes = "none" if c.minutes == float("inf") else f"{c.minutes:.0f}"
            out.write(f"{c.lat:>10.4f}{c.lng:>11.4f}{c.population:>8,}  {c.district:<9}{minutes:>8}\n")
