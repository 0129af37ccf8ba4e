"""Travel-time model: straight-line distance × detour factor ÷ speed (+ fixed access time).

See docs/adr/0006-travel-time-model.md for where the numbers come from and what they ignore.
Every figure this module produces says which model made it (``TravelMode.model_name``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .coords import FloatArray


@dataclass(frozen=True, slots=True)
class TravelMode:
    """One way of getting to an outlet.

    ``detour_factor`` is network distance ÷ straight-line distance; ``speed_kmh`` the average
    door-to-door speed along the network; ``access_min`` a fixed overhead (parking, finding the
    entrance) added to every trip.
    """

    name: str
    detour_factor: float
    speed_kmh: float
    access_min: float = 0.0

    @property
    def model_name(self) -> str:
        return f"straight-line×{self.detour_factor:g}÷{self.speed_kmh:g} km/h+{self.access_min:g} min ({self.name})"

    def minutes(self, distance_m: float) -> float:
        """Estimated minutes for a straight-line distance in metres."""
        return self.access_min + distance_m * self.detour_factor / (self.speed_kmh * 1000 / 60)

    def minutes_array(self, distance_m: npt.ArrayLike) -> FloatArray:
        d = np.asarray(distance_m, dtype=np.float64)
        return self.access_min + d * (self.detour_factor / (self.speed_kmh * 1000.0 / 60.0))

    def reach_m(self, minutes: float) -> float:
        """The largest straight-line distance reachable within ``minutes`` (0 if none)."""
        budget = minutes - self.access_min
        if budget <= 0:
            return 0.0
        return budget * (self.speed_kmh * 1000 / 60) / self.detour_factor


# Defaults documented in ADR 0006. Bureaus may pass their own TravelMode.
WALK = TravelMode("walk", detour_factor=1.3, speed_kmh=4.5)
DRIVE = TravelMode("drive", detour_factor=1.4, speed_kmh=30.0, access_min=3.0)
MODES: dict[str, TravelMode] = {m.name: m for m in (WALK, DRIVE)}


def mode_named(name: str) -> TravelMode:
    """The default mode called ``name``. Raises KeyError for an unknown name."""
    return MODES[name]


def round_minutes(minutes: float) -> int:
    """Whole minutes as shown to a person: never shows 0 for a trip that takes any time."""
    return max(1, math.ceil(minutes - 1e-9)) if minutes > 0 else 0
