"""The thresholds of 微安居 as data (``RentalLimits``, one row an administrator edits in the admin).

Read once per request that needs them; the row is created with the defaults on first read, so a
fresh database behaves as before any edit.
"""

from __future__ import annotations

from tongban.rentals.models import RentalLimits


def rental_limits() -> RentalLimits:
    """The current thresholds (the single row, created with the defaults when missing)."""
    limits, _created = RentalLimits.objects.get_or_create(pk=1)
    return limits
