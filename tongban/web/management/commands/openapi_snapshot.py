"""``tongban openapi-snapshot [--check]``: write (or compare) docs/openapi.json for the whole API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

SNAPSHOT = Path(settings.BASE_DIR).parent / "docs" / "openapi.json"


def openapi_text() -> str:
    """The whole API's OpenAPI document, rendered deterministically."""
    from tongban.config.api import api

    return json.dumps(api.get_openapi_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Regenerate docs/openapi.json from the API (or --check that it is current)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="fail if the snapshot differs")
        parser.add_argument("--output", type=Path, default=SNAPSHOT)

    def handle(self, *args: Any, **options: Any) -> None:
        text = openapi_text()
        path: Path = options["output"]
        if options["check"]:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} is out of date: run `make openapi`")
            self.stdout.write(f"{path} is current")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
