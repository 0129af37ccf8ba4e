"""Pure geography for outlets: coordinates, the spatial index, travel times, coverage, hours.

No Django here (an import-linter contract checks it), so benchmarks and tests run it alone.
"""

from .coords import gcj02_to_wgs84, haversine_m, haversine_m_array, wgs84_to_gcj02
from .coverage import CoverageReport, PopulationGrid, coverage
from .hours import DayKind, OpeningHours, calendar_from_working_days, weekend_calendar
from .index import Hit, IndexedPoint, OutletIndex
from .travel import DRIVE, WALK, TravelMode, mode_named

__all__ = [
    "DRIVE",
    "WALK",
    "CoverageReport",
    "DayKind",
    "Hit",
    "IndexedPoint",
    "OpeningHours",
    "OutletIndex",
    "PopulationGrid",
    "TravelMode",
    "calendar_from_working_days",
    "coverage",
    "gcj02_to_wgs84",
    "haversine_m",
    "haversine_m_array",
    "mode_named",
    "weekend_calendar",
    "wgs84_to_gcj02",
]
