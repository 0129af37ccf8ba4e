"""Pure geography: GCJ-02, the spatial index against brute force, travel model, coverage."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tongban.common.clock import SHANGHAI
from tongban.outlets.geo import (
    DRIVE,
    WALK,
    DayKind,
    IndexedPoint,
    OpeningHours,
    OutletIndex,
    PopulationGrid,
    TravelMode,
    calendar_from_working_days,
    coverage,
    gcj02_to_wgs84,
    haversine_m,
    haversine_m_array,
    weekend_calendar,
    wgs84_to_gcj02,
)

HANGZHOU = (30.2741, 120.1551)


class TestGcj02:
    def test_offset_is_a_few_hundred_metres_in_china(self) -> None:
        glat, glng = wgs84_to_gcj02(*HANGZHOU)
        shift = haversine_m(HANGZHOU[0], HANGZHOU[1], glat, glng)
        # The published transform shifts Hangzhou by roughly 500 m to the south-east.
        assert 300 < shift < 700
        assert glng > HANGZHOU[1]
        assert glat < HANGZHOU[0]

    def test_identity_outside_china(self) -> None:
        assert wgs84_to_gcj02(48.8584, 2.2945) == (48.8584, 2.2945)
        assert gcj02_to_wgs84(48.8584, 2.2945) == (48.8584, 2.2945)

    def test_round_trip_below_a_centimetre_over_china(self) -> None:
        rng = np.random.default_rng(6)
        lat = rng.uniform(18.0, 53.0, 20_000)
        lng = rng.uniform(74.0, 134.0, 20_000)
        glat, glng = wgs84_to_gcj02(lat, lng)
        wlat, wlng = gcj02_to_wgs84(glat, glng)
        err = haversine_m_array(lat, lng, wlat, wlng)
        assert float(err.max()) < 0.01
        # One step (subtract the offset found at the GCJ point) is metres off: iterating matters.
        one_step_lat, one_step_lng = wgs84_to_gcj02(glat, glng)
        one_step = haversine_m_array(lat, lng, 2 * glat - one_step_lat, 2 * glng - one_step_lng)
        assert float(one_step.max()) > 1.0

    def test_scalar_and_array_agree(self) -> None:
        a = wgs84_to_gcj02(*HANGZHOU)
        b = wgs84_to_gcj02(np.array([HANGZHOU[0]]), np.array([HANGZHOU[1]]))
        assert a == pytest.approx((float(b[0][0]), float(b[1][0])), abs=1e-12)
        assert isinstance(a[0], float)


def test_haversine_known_distance() -> None:
    # One degree of latitude along a meridian on the mean-radius sphere.
    assert haversine_m(30.0, 120.0, 31.0, 120.0) == pytest.approx(111_195.08, abs=0.1)
    assert haversine_m(30.0, 120.0, 30.0, 120.0) == 0.0


def _random_outlets(rng: np.random.Generator, n: int) -> list[IndexedPoint]:
    items = ["A", "B", "C", "D"]
    kinds = ["police_station", "kiosk", "hospital"]
    out = []
    for key in range(n):
        chosen = frozenset(i for i in items if rng.random() < 0.4)
        out.append(
            IndexedPoint(
                key=key * 3 + 7,
                lat=float(rng.uniform(29.8, 30.6)),
                lng=float(rng.uniform(119.6, 120.6)),
                items=chosen,
                kind=kinds[int(rng.integers(0, 3))],
            )
        )
    return out


class TestIndexAgainstBruteForce:
    def test_nearest_k_with_item_filter_equals_brute_force(self) -> None:
        rng = np.random.default_rng(42)
        points = _random_outlets(rng, 500)
        index = OutletIndex(points)
        plat = np.array([p.lat for p in points])
        plng = np.array([p.lng for p in points])
        # Queries reach beyond the outlets' box, so both the grid and the KD-tree path answer.
        for _ in range(1000):
            qlat = float(rng.uniform(29.7, 30.7))
            qlng = float(rng.uniform(119.5, 120.7))
            item = ["A", "B", "C", "D", None][int(rng.integers(0, 5))]
            k = int(rng.integers(1, 14))  # above GRID_K (5) the KD-tree answers
            d = haversine_m_array(qlat, qlng, plat, plng)
            ok = [i for i, p in enumerate(points) if item is None or item in p.items]
            expected = sorted(ok, key=lambda i: d[i])[:k]
            hits = index.nearest(qlat, qlng, item=item, k=k)
            assert [h.key for h in hits] == [points[i].key for i in expected]
            assert [h.distance_m for h in hits] == pytest.approx([float(d[i]) for i in expected], abs=1e-3)

    def test_kind_filter_and_distance_bound(self) -> None:
        rng = np.random.default_rng(7)
        points = _random_outlets(rng, 300)
        index = OutletIndex(points)
        for _ in range(100):
            qlat, qlng = float(rng.uniform(29.8, 30.6)), float(rng.uniform(119.6, 120.6))
            kinds = frozenset({"hospital"})
            d = {p.key: haversine_m(qlat, qlng, p.lat, p.lng) for p in points}
            expected = sorted(
                (p.key for p in points if "B" in p.items and p.kind == "hospital"),
                key=lambda key: d[key],
            )
            within = [key for key in expected if d[key] <= 8_000][:3]
            got = index.nearest(qlat, qlng, item="B", kinds=kinds, k=3, max_distance_m=8_000)
            assert [h.key for h in got] == within
            assert [h.key for h in index.nearest(qlat, qlng, item="B", kinds=kinds, k=6)] == (expected[:6])

    def test_vectorised_nearest_matches_scalar(self) -> None:
        rng = np.random.default_rng(3)
        points = _random_outlets(rng, 200)
        index = OutletIndex(points)
        qlat = rng.uniform(29.8, 30.6, 1000)
        qlng = rng.uniform(119.6, 120.6, 1000)
        dist, keys = index.nearest_distance_m(qlat, qlng, item="C")
        for i in range(0, 1000, 37):
            (hit,) = index.nearest(float(qlat[i]), float(qlng[i]), item="C", k=1)
            assert hit.key == keys[i]
            assert hit.distance_m == pytest.approx(dist[i], abs=1e-3)

    def test_single_outlet_and_coincident_points(self) -> None:
        one = OutletIndex([IndexedPoint(key=5, lat=30.0, lng=120.0)])
        assert [h.key for h in one.nearest(31.0, 121.0, k=3)] == [5]
        twins = OutletIndex(
            [IndexedPoint(key=k, lat=30.0, lng=120.0) for k in (9, 2, 4)] + [IndexedPoint(key=1, lat=30.1, lng=120.0)]
        )
        hits = twins.nearest(30.0, 120.0, k=4)
        assert [h.key for h in hits] == [2, 4, 9, 1]
        assert hits[0].distance_m == 0.0

    def test_unknown_item_and_empty_index(self) -> None:
        index = OutletIndex(_random_outlets(np.random.default_rng(1), 10))
        assert index.nearest(30.0, 120.0, item="NOPE") == []
        assert OutletIndex([]).nearest(30.0, 120.0) == []
        dist, keys = OutletIndex([]).nearest_distance_m([30.0], [120.0])
        assert np.isinf(dist[0])
        assert keys[0] == -1


class TestTravelModel:
    def test_minutes_and_reach_are_inverse(self) -> None:
        # 1 km straight line, walking: 1.3 km on foot at 4.5 km/h = 17.33 min.
        assert WALK.minutes(1000) == pytest.approx(1.3 / 4.5 * 60)
        assert WALK.reach_m(WALK.minutes(1234.5)) == pytest.approx(1234.5)
        # Driving pays 3 minutes of access first: 15 min → 12 min × 30 km/h ÷ 1.4.
        assert DRIVE.reach_m(15) == pytest.approx(12 / 60 * 30_000 / 1.4)
        assert DRIVE.reach_m(2) == 0.0

    def test_model_name_says_which_model(self) -> None:
        assert "×1.3" in WALK.model_name
        assert "4.5 km/h" in WALK.model_name


class TestCoverage:
    def _grid(self) -> PopulationGrid:
        # Four cells on a meridian through (30, 120), each 0.01° (1,111.95 m) further north.
        return PopulationGrid(
            lat=np.array([30.00, 30.01, 30.02, 30.03]),
            lng=np.array([120.0, 120.0, 120.0, 120.0]),
            population=np.array([100, 200, 300, 400], dtype=np.int64),
            district=np.array([0, 0, 1, 1], dtype=np.int32),
            district_codes=("330102", "330105"),
            cell_m=1000,
        )

    def test_hand_computed_small_grid(self) -> None:
        grid = self._grid()
        outlets = [
            IndexedPoint(key=1, lat=30.00, lng=120.0, items=frozenset({"X"})),
            IndexedPoint(key=2, lat=30.03, lng=120.0, items=frozenset({"Y"})),
        ]
        index = OutletIndex(outlets)
        # A mode that covers exactly 1,500 m in 15 minutes: 6 km/h, no detour, no access.
        mode = TravelMode("test", detour_factor=1.0, speed_kmh=6.0)
        report = coverage(grid, index, mode=mode, item="X", minutes=15, worst=2)
        # Outlet 1 at cell 0: distances 0, 1112, 2224, 3336 m → cells 0 and 1 covered.
        assert report.population == 1000
        assert report.covered == 300
        assert report.share == pytest.approx(0.3)
        by = {d.district: (d.population, d.covered) for d in report.districts}
        assert by == {"330102": (300, 300), "330105": (700, 0)}
        assert [round(c.minutes, 2) for c in report.worst_cells] == [33.36, 22.24]
        assert [c.population for c in report.worst_cells] == [400, 300]
        # Any outlet: both ends are served, cells 0, 1, 3 and 2 (1,112 m from outlet 2).
        any_item = coverage(grid, index, mode=mode, item=None, minutes=15)
        assert any_item.covered == 1000
        # An item nobody handles covers nobody, and says so rather than failing.
        none = coverage(grid, index, mode=mode, item="Z", minutes=15)
        assert none.covered == 0
        assert none.worst_cells[0].minutes == float("inf")

    def test_grid_from_points_bins_people_and_takes_majority_district(self) -> None:
        lat = np.array([30.0001, 30.0002, 30.0003, 30.0501])
        lng = np.array([120.0001, 120.0002, 120.0003, 120.0001])
        dist = np.array(["A", "B", "B", "A"])
        grid = PopulationGrid.from_points(lat, lng, dist, cell_m=500)
        assert grid.total == 4
        assert sorted(grid.population.tolist()) == [1, 3]
        big = int(np.argmax(grid.population))
        assert grid.district_codes[grid.district[big]] == "B"
        with pytest.raises(ValueError, match="one latitude"):
            PopulationGrid.from_points([], [], [], cell_m=100)


class TestOpeningHours:
    HOURS = OpeningHours.from_data(
        {
            "mon": "09:00-12:00,13:30-17:00",
            "tue": "09:00-12:00,13:30-17:00",
            "wed": "09:00-12:00,13:30-17:00",
            "thu": "09:00-12:00,13:30-17:00",
            "fri": "09:00-12:00,13:30-17:00",
            "sat": "09:00-12:00",
            "exceptions": {"2026-03-04": ""},
        }
    )

    @staticmethod
    def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> dt.datetime:
        return dt.datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)

    def test_weekly_and_lunch_break(self) -> None:
        cal = weekend_calendar
        assert self.HOURS.is_open(self.at(2026, 3, 2, 9), cal)  # Monday opening minute
        assert not self.HOURS.is_open(self.at(2026, 3, 2, 12), cal)  # half-open: closes 12:00
        assert not self.HOURS.is_open(self.at(2026, 3, 8, 10), cal)  # Sunday
        assert self.HOURS.is_open(self.at(2026, 3, 7, 10), cal)  # Saturday extended hours
        assert self.HOURS.next_opening(self.at(2026, 3, 2, 12, 30), cal) == (
            self.at(2026, 3, 2, 13, 30),
            self.at(2026, 3, 2, 17),
        )

    def test_exception_closes_a_day(self) -> None:
        assert self.HOURS.hours_on(dt.date(2026, 3, 4), weekend_calendar) == ()
        nxt = self.HOURS.next_opening(self.at(2026, 3, 3, 18), weekend_calendar)
        assert nxt is not None
        assert nxt[0] == self.at(2026, 3, 5, 9)

    def test_holidays_and_makeup_days_from_the_calendar(self) -> None:
        holidays = {dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)}
        makeup = {dt.date(2026, 10, 10)}  # a Saturday worked in lieu

        def working(d: dt.date) -> bool:
            return d in makeup or (d.weekday() < 5 and d not in holidays)

        cal = calendar_from_working_days(working, lambda d: d in holidays)
        assert cal(dt.date(2026, 10, 3)) is DayKind.HOLIDAY  # a Saturday inside the holiday
        assert self.HOURS.hours_on(dt.date(2026, 10, 1), cal) == ()
        assert self.HOURS.hours_on(dt.date(2026, 10, 3), cal) == ()  # no Saturday hours
        assert self.HOURS.hours_on(dt.date(2026, 10, 10), cal) == self.HOURS.weekly[0]
        assert self.HOURS.next_opening(self.at(2026, 9, 30, 18), cal) == (
            self.at(2026, 10, 5, 9),
            self.at(2026, 10, 5, 12),
        )

    def test_round_trip_and_validation(self) -> None:
        assert OpeningHours.from_data(self.HOURS.to_data()) == self.HOURS
        always = OpeningHours.from_data(
            {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")} | {"holiday": "00:00-24:00"}
        )
        assert always.is_open(self.at(2026, 10, 1, 23, 59), weekend_calendar)
        with pytest.raises(ValueError, match="closes before"):
            OpeningHours.from_data({"mon": "17:00-09:00"})
        with pytest.raises(ValueError, match="HH:MM"):
            OpeningHours.from_data({"mon": "9-5"})
        with pytest.raises(ValueError, match="aware"):
            self.HOURS.is_open(dt.datetime(2026, 3, 2, 9), weekend_calendar)


def test_concurrent_first_queries_build_the_quadtree_once_and_agree() -> None:
    import threading

    rng = np.random.default_rng(11)
    index = OutletIndex(_random_outlets(rng, 400))
    queries = [(float(rng.uniform(29.85, 30.55)), float(rng.uniform(119.65, 120.55))) for _ in range(200)]
    expected = [[h.key for h in OutletIndex(index.points).nearest(a, b, item="A", k=3)] for a, b in queries]
    results: dict[int, list[list[int]]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = [[h.key for h in index.nearest(a, b, item="A", k=3)] for a, b in queries]
        except BaseException as exc:  # a half-built tree would raise IndexError here
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(r == expected for r in results.values())
