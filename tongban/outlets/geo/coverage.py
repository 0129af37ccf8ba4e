"""15-minute service circle: share of the population within reach of an outlet.

The population lives on a grid of cells (a regular grid in degrees: each cell has a centre,
a head count and a district). For an item, every cell's nearest qualifying outlet is found in
one vectorised KD-tree query, its travel time taken from the model, and the shares summed per
district with ``np.bincount``: no Python loop runs per cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .coords import EARTH_RADIUS_M, FloatArray
from .index import OutletIndex
from .travel import TravelMode


@dataclass(frozen=True)
class PopulationGrid:
    """Cells with people. ``district`` holds indexes into ``district_codes``."""

    lat: FloatArray
    lng: FloatArray
    population: npt.NDArray[np.int64]
    district: npt.NDArray[np.int32]
    district_codes: tuple[str, ...]
    cell_m: float

    def __post_init__(self) -> None:
        n = self.lat.shape[0]
        for name in ("lng", "population", "district"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"PopulationGrid.{name} must have shape ({n},)")

    @property
    def total(self) -> int:
        return int(self.population.sum())

    @classmethod
    def from_points(
        cls,
        lat: npt.ArrayLike,
        lng: npt.ArrayLike,
        district: npt.ArrayLike,
        *,
        cell_m: float,
        weights: npt.ArrayLike | None = None,
    ) -> PopulationGrid:
        """Bin people (one point each, or weighted) into a regular grid of ``cell_m``-metre
        cells; a cell's district is the one most of its people belong to.

        ``district`` holds district codes (strings) per point. Raises ValueError on empty
        input or mismatched lengths.
        """
        la = np.asarray(lat, dtype=np.float64).ravel()
        ln = np.asarray(lng, dtype=np.float64).ravel()
        codes_in = np.asarray(district).ravel()
        if la.size == 0 or la.shape != ln.shape or la.shape != codes_in.shape:
            raise ValueError("need one latitude, longitude and district per person")
        codes, dist_idx = np.unique(codes_in, return_inverse=True)
        nd = len(codes)
        lat0 = float(la.min())
        lng0 = float(ln.min())
        dlat = math.degrees(cell_m / EARTH_RADIUS_M)
        dlng = dlat / max(0.05, math.cos(math.radians(float(np.median(la)))))
        ncol = int((float(ln.max()) - lng0) / dlng) + 1
        # Each person's (cell, district) pair as one integer, built in place: with 10 M people
        # every temporary array costs 80 MB, so there are as few as possible.
        pair = ((la - lat0) / dlat).astype(np.int64)
        pair *= ncol
        pair += ((ln - lng0) / dlng).astype(np.int64)
        pair *= nd
        pair += dist_idx
        del dist_idx
        if weights is None:
            upair, counts = np.unique(pair, return_counts=True)
            ppop = counts.astype(np.int64)
        else:
            upair, pinv = np.unique(pair, return_inverse=True)
            ppop = np.bincount(pinv, weights=np.asarray(weights, dtype=np.float64).ravel()).astype(np.int64)
        del pair
        pcell = upair // nd
        pdist = (upair % nd).astype(np.int32)
        ucell, cinv = np.unique(pcell, return_inverse=True)
        pop = np.bincount(cinv, weights=ppop).astype(np.int64)
        order = np.lexsort((-ppop, cinv))  # per cell, the largest pair first
        first = np.ones(order.size, dtype=bool)
        first[1:] = cinv[order][1:] != cinv[order][:-1]
        majority = np.empty(ucell.size, dtype=np.int32)
        majority[cinv[order][first]] = pdist[order][first]
        r = ucell // ncol
        c = ucell % ncol
        return cls(
            lat=np.asarray(lat0 + (r + 0.5) * dlat, dtype=np.float64),
            lng=np.asarray(lng0 + (c + 0.5) * dlng, dtype=np.float64),
            population=pop,
            district=majority,
            district_codes=tuple(str(x) for x in codes),
            cell_m=cell_m,
        )


@dataclass(frozen=True, slots=True)
class DistrictCoverage:
    district: str
    population: int
    covered: int

    @property
    def share(self) -> float:
        return self.covered / self.population if self.population else 0.0


@dataclass(frozen=True, slots=True)
class Cell:
    """A worst-served grid cell: its centre, people and travel time to the nearest outlet."""

    lat: float
    lng: float
    population: int
    district: str
    minutes: float


@dataclass(frozen=True)
class CoverageReport:
    """Coverage of one item (or of any outlet when ``item`` is empty) for one travel mode."""

    item: str
    mode: str
    model: str
    minutes: float
    population: int
    covered: int
    districts: tuple[DistrictCoverage, ...]
    worst_cells: tuple[Cell, ...]
    cell_minutes: FloatArray  # per grid cell, for the map layer

    @property
    def share(self) -> float:
        return self.covered / self.population if self.population else 0.0


def coverage(
    grid: PopulationGrid,
    index: OutletIndex,
    *,
    mode: TravelMode,
    item: str | None = None,
    minutes: float = 15.0,
    worst: int = 10,
) -> CoverageReport:
    """Share of ``grid``'s people within ``minutes`` of an outlet that can handle ``item``.

    Worst-served cells are the populated cells with the longest travel time (ties: more people
    first). Raises nothing; with no qualifying outlet every cell is uncovered (time = inf).
    """
    dist_m, _ = index.nearest_distance_m(grid.lat, grid.lng, item=item)
    reach = mode.reach_m(minutes)
    covered_mask = dist_m <= reach
    nd = len(grid.district_codes)
    pop_by = np.bincount(grid.district, weights=grid.population, minlength=nd)
    cov_by = np.bincount(grid.district, weights=np.where(covered_mask, grid.population, 0), minlength=nd)
    cell_minutes = mode.minutes_array(dist_m)
    populated = np.flatnonzero(grid.population > 0)
    worst_cells: list[Cell] = []
    if worst > 0 and populated.size:
        k = min(worst, populated.size)
        times = cell_minutes[populated]
        kth = np.partition(-times, k - 1)[k - 1]  # minus the k-th longest time
        # Every cell tied with the k-th is a candidate, so the tie-break (more people) is exact.
        cand = populated[-times <= kth]
        cand = cand[np.lexsort((cand, -grid.population[cand], -cell_minutes[cand]))][:k]
        worst_cells = [
            Cell(
                lat=float(grid.lat[i]),
                lng=float(grid.lng[i]),
                population=int(grid.population[i]),
                district=grid.district_codes[int(grid.district[i])],
                minutes=float(cell_minutes[i]),
            )
            for i in cand
        ]
    return CoverageReport(
        item=item or "",
        mode=mode.name,
        model=mode.model_name,
        minutes=minutes,
        population=int(pop_by.sum()),
        covered=int(cov_by.sum()),
        districts=tuple(
            DistrictCoverage(code, int(pop_by[i]), int(cov_by[i])) for i, code in enumerate(grid.district_codes)
        ),
        worst_cells=tuple(worst_cells),
        cell_minutes=cell_minutes,
    )
