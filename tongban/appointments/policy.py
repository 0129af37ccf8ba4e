"""Booking rules a bureau tunes (data, not code): settings.APPOINTMENT_POLICY overrides."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class BookingPolicy:
    max_active: int = 3  # booked appointments one person may hold at once (all items)
    attempts_per_minute: int = 6  # book/reschedule attempts per person per minute (anti-script)
    no_show_limit: int = 3  # this many no-shows within the window ...
    no_show_window_days: int = 90
    no_show_ban_days: int = 30  # ... block new bookings for this long after the last one
    cancel_before_minutes: int = 30  # cancel or reschedule up to this long before the start
    check_in_early_minutes: int = 60  # check-in opens this long before the slot starts
    check_in_late_minutes: int = 15  # ... and closes this long after the slot ends
    no_show_grace_minutes: int = 15  # a booking still unchecked this long after the end is a no-show
    remind_before_hours: int = 24


def booking_policy() -> BookingPolicy:
    """The policy in force: defaults overridden by ``settings.APPOINTMENT_POLICY`` (a dict)."""
    overrides = getattr(settings, "APPOINTMENT_POLICY", None) or {}
    return dataclasses.replace(BookingPolicy(), **overrides)
