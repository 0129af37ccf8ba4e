"""``tongban feedback-schemes-load``: load new versions of the rating schemes (data/schemes.yaml)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.common.clock import now
from tongban.common.errors import DomainError


class Command(BaseCommand):
    help = "Load rating-scheme versions from tongban/feedback/data/schemes.yaml that are not loaded yet."

    def handle(self, *args: Any, **options: Any) -> None:
        from tongban.feedback.services import schemes_load

        try:
            loaded = schemes_load(now=now())
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"loaded versions: {', '.join(map(str, loaded)) or 'none (all loaded)'}")
