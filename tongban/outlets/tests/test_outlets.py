"""Outlets through the front door: the API, "which outlets accept item X", the demo
generator, the coverage command and the map page."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command

from tongban.common.clock import SHANGHAI
from tongban.outlets.geo import haversine_m, wgs84_to_gcj02
from tongban.outlets.models import Outlet, OutletItem
from tongban.outlets.selectors import outlet_snapshot_clear, outlets_for_item, population_grid_clear
from tongban.outlets.services import outlet_upsert

WEEKDAYS = {d: "09:00-12:00,13:30-17:30" for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture(autouse=True)
def _fresh_snapshot() -> Any:
    outlet_snapshot_clear()
    population_grid_clear()
    yield
    outlet_snapshot_clear()
    population_grid_clear()


@pytest.fixture
def three(db: None, now: dt.datetime) -> list[Outlet]:
    return [
        outlet_upsert(
            code="A",
            name="近所",
            kind="police_station",
            region_code="330106",
            lat=30.2800,
            lng=120.1500,
            items=["X", "Y"],
            hours=WEEKDAYS,
            bookable=True,
            at=now,
        ),
        outlet_upsert(
            code="B",
            name="远所",
            kind="police_station",
            region_code="330106",
            lat=30.3000,
            lng=120.1500,
            items=["X"],
            hours=WEEKDAYS,
            at=now,
        ),
        outlet_upsert(
            code="C",
            name="医院",
            kind="hospital",
            region_code="330105",
            lat=30.2750,
            lng=120.1500,
            items=["Y"],
            hours=WEEKDAYS,
            at=now,
        ),
    ]


def test_which_outlets_accept_an_item_is_one_query(three: list[Outlet], django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert [o.code for o in outlets_for_item(item_code="X")] == ["A", "B"]
    Outlet.objects.filter(code="B").update(active=False)
    assert [o.code for o in outlets_for_item(item_code="X")] == ["A"]


def test_nearest_api_filters_by_item_and_reports_times(
    three: list[Outlet], api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tuesday 10 March 2026, 10:00 in Shanghai: open.
    monkeypatch.setattr("tongban.outlets.api.now", lambda: dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC))
    r = api(None).get("/api/v1/outlets/nearest", {"lat": 30.2700, "lng": 120.1500, "item": "X", "k": 5})
    assert r.status_code == 200
    body = r.json()
    assert [o["code"] for o in body["results"]] == ["A", "B"]  # C does not handle X
    a = body["results"][0]
    assert a["distance_m"] == round(haversine_m(30.27, 120.15, 30.28, 120.15))  # 1,112 m
    # walk: 1,112 m × 1.3 ÷ 75 m/min = 19.3 → 20; drive: 3 + 1,112 × 1.4 ÷ 500 = 6.1 → 7.
    assert (a["walk_minutes"], a["drive_minutes"]) == (20, 7)
    assert a["open_now"] is True
    glat, glng = wgs84_to_gcj02(30.28, 120.15)
    assert (a["lat_gcj02"], a["lng_gcj02"]) == (round(glat, 7), round(glng, 7))
    assert "straight-line×1.3" in body["model"]


def test_nearest_accepts_gcj02_input_and_rejects_bad_input(three: list[Outlet], api: Any) -> None:
    glat, glng = wgs84_to_gcj02(30.2760, 120.1500)  # a point picked on a Chinese map
    r = api(None).get("/api/v1/outlets/nearest", {"lat": glat, "lng": glng, "datum": "gcj02", "k": 1})
    assert [o["code"] for o in r.json()["results"]] == ["C"]
    # Read as WGS-84 the same numbers land ~500 m away, nearer A: the datum matters.
    r = api(None).get("/api/v1/outlets/nearest", {"lat": glat, "lng": glng, "k": 1})
    assert r.status_code == 200
    bad = api(None).get("/api/v1/outlets/nearest", {"lat": 95, "lng": 120})
    assert bad.status_code == 400
    assert bad.json()["code"] == "bad_coordinates"
    assert api(None).get("/api/v1/outlets/nearest", {"lat": 30, "lng": 120, "datum": "bd09"}).status_code == 400
    assert api(None).get("/api/v1/outlets/nearest", {"lat": 30, "lng": 120, "k": 0}).status_code == 400


def test_nearest_query_reads_like_ninja_on_both_paths(three: list[Outlet], api: Any) -> None:
    """Plain query strings take the quick reader, anything else full validation: same answers."""
    client = api(None)

    def codes(qs: str) -> list[str]:
        r = client.get("/api/v1/outlets/nearest?" + qs)
        assert r.status_code == 200, r.content
        return [o["code"] for o in r.json()["results"]]

    plain = codes("lat=30.27&lng=120.15&k=3&kinds=police_station,hospital")
    assert plain == ["C", "A", "B"]
    assert codes("lat=3.027e1&lng=120.15&k=3&kinds=police_station%2Chospital") == plain  # escapes, exponent
    assert codes("lat=10&lat=30.27&lng=120.15&k=3") == plain  # the last of a repeated name wins
    assert codes("lat=30.27&lng=120.15&k=3&kinds=hospital") == ["C"]
    bad = client.get("/api/v1/outlets/nearest?lat=abc&lng=120")
    assert bad.status_code == 422
    assert [(e["loc"], e["type"]) for e in bad.json()["errors"]] == [(["query", "lat"], "float_parsing")]
    missing = client.get("/api/v1/outlets/nearest?lat=30&k=2x")
    assert sorted(tuple(e["loc"]) for e in missing.json()["errors"]) == [("query", "k"), ("query", "lng")]


def test_closed_outlet_says_when_it_opens(three: list[Outlet], now: dt.datetime) -> None:
    from tongban.outlets.selectors import outlet_nearest

    saturday = dt.datetime(2026, 3, 14, 2, 0, tzinfo=dt.UTC)
    (a,) = outlet_nearest(item_code="X", lat=30.28, lng=120.15, k=1, at=saturday)
    assert a["open_now"] is False
    assert a["next_open"] == dt.datetime(2026, 3, 16, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 Shanghai


def test_api_opening_state_equals_the_selector_at_every_boundary(three: list[Outlet]) -> None:
    """The JSON path reuses an outlet's encoded opening state while it holds: across a week
    with Qingming (4–6 April 2026), probed at every opening and closing instant and either
    side of it, it says what outlet_nearest says."""
    import json

    from tongban.outlets.selectors import outlet_nearest, outlet_nearest_json

    probes = []
    for day in range(8):
        for hhmm in ("00:00", "09:00", "12:00", "13:30", "17:30", "23:59"):
            h, m = (int(x) for x in hhmm.split(":"))
            t = dt.datetime(2026, 4, 2 + day, h, m, tzinfo=SHANGHAI)
            probes += [t - dt.timedelta(microseconds=1), t, t + dt.timedelta(seconds=1)]
    for at in sorted(probes) + probes[::-1]:  # forwards and backwards through the cache
        body = json.loads(outlet_nearest_json(item_code=None, lat=30.28, lng=120.15, k=3, at=at))
        rows = outlet_nearest(item_code=None, lat=30.28, lng=120.15, k=3, at=at)
        assert [r["code"] for r in body["results"]] == [r["code"] for r in rows]
        for got, want in zip(body["results"], rows, strict=True):
            assert got["open_now"] is want["open_now"], at
            for name in ("next_open", "next_close"):
                value = want[name]
                assert got[name] == (value.isoformat() if value is not None else None), (at, name)


def test_outlet_list_and_detail(three: list[Outlet], api: Any) -> None:
    rows = api(None).get("/api/v1/outlets/", {"item": "Y"}).json()
    assert [o["code"] for o in rows] == ["A", "C"]
    assert [o["code"] for o in api(None).get("/api/v1/outlets/", {"kind": "hospital"}).json()] == ["C"]
    detail = api(None).get("/api/v1/outlets/A").json()
    assert detail["items"] == ["X", "Y"]
    assert detail["bookable"] is True
    assert api(None).get("/api/v1/outlets/NOPE").status_code == 404


def test_upsert_validates_and_audits(db: None, now: dt.datetime) -> None:
    from tongban.audit.models import AuditEntry
    from tongban.common.errors import Invalid

    with pytest.raises(Invalid):
        outlet_upsert(code="Z", name="x", kind="spaceport", region_code="330106", lat=30, lng=120, at=now)
    with pytest.raises(Invalid):
        outlet_upsert(
            code="Z",
            name="x",
            kind="kiosk",
            region_code="330106",
            lat=30,
            lng=120,
            hours={"mon": "18:00-09:00"},
            at=now,
        )
    assert not Outlet.objects.filter(code="Z").exists()
    outlet_upsert(code="Z", name="x", kind="kiosk", region_code="330106", lat=30, lng=120, items=["A", "B"], at=now)
    outlet_upsert(code="Z", name="y", kind="kiosk", region_code="330106", lat=30, lng=120, items=["B"], at=now)
    assert list(OutletItem.objects.filter(outlet__code="Z").values_list("item_code", flat=True)) == ["B"]
    assert AuditEntry.objects.filter(object_type="outlet", object_id="Z").count() == 2


def test_demo_generator_spreads_about_200_outlets_and_is_idempotent(db: None, now: dt.datetime) -> None:
    from tongban.catalog.selectors import items_list
    from tongban.outlets.demo import outlets_generate

    out = io.StringIO()
    created = outlets_generate(at=now, stdout=out)
    assert 190 <= created <= 230
    kinds = dict.fromkeys(Outlet.objects.values_list("kind", flat=True))
    assert set(kinds) == {
        "police_station",
        "exit_entry_hall",
        "vehicle_hall",
        "gov_centre",
        "kiosk",
        "all_in_one_5g",
        "hospital",
    }
    # Every district has its government service centre; the city centre is denser than 淳安.
    assert Outlet.objects.filter(kind="gov_centre").count() == 13
    assert Outlet.objects.filter(region_code="330109").count() > Outlet.objects.filter(region_code="330127").count()
    if any(i.code == "driver_licence_replace" for i in items_list()):
        accepting = outlets_for_item(item_code="driver_licence_replace")
        assert accepting.filter(kind="police_station").exists()
    assert outlets_generate(at=now) == 0
    assert Outlet.objects.count() == created


def test_coverage_command_prints_the_model_and_the_districts(
    three: list[Outlet], now: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    # Three people: 0 m, 1,112 m and 5,560 m north of outlet C (item Y).
    lat = np.array([30.275, 30.285, 30.325])
    lng = np.array([120.15, 120.15, 120.15])
    dist = np.array(["330105", "330105", "330106"])
    monkeypatch.setattr("tongban.outlets.selectors.population_points", lambda: (lat, lng, dist))
    out = io.StringIO()
    call_command("coverage", item="X", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0] == "model: straight-line×1.3÷4.5 km/h+0 min (walk)"
    # Outlets A (30.28) and B (30.30) accept X; reach on foot in 15 min is 865 m:
    # the first person is 556 m from A, the second 556 m, the third 2,780 m from B.
    assert "within 15 min: 2 of 3 people (66.7%)" in text
    assert "330106" in text


def test_coverage_without_population_is_a_clear_error(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有带坐标的人口"):
        call_command("coverage", item="X", stdout=io.StringIO())


def test_map_page_and_guide_partial(three: list[Outlet], api: Any) -> None:
    r = api(None).get("/outlets/map/?item=X")
    assert r.status_code == 200
    html = r.content.decode()
    assert "vendor/leaflet/leaflet.js" in html
    assert '"kind": "none"' in html  # no tile server by default: markers on a plain background
    r = api(None).get("/outlets/nearest/", {"item": "X", "lat": 30.27, "lng": 120.15})
    assert r.status_code == 200
    html = r.content.decode()
    assert html.index("近所") < html.index("远所")
    assert "医院" not in html
    assert "/appointments/book/?item=X&outlet=A" in html  # A takes bookings, B does not
    assert "outlet=B" not in html


def test_kind_names_follow_each_request_language_in_one_process(three: list[Outlet], client: Any) -> None:
    """The outlet snapshot is kept per process; the kind's name must not be (issue 21: the nearest
    panel answered in the language of whichever request built the snapshot)."""
    names = {"zh-hans": ("派出所综合窗口", "Police station"), "en": ("Police station", "派出所")}
    for n in range(6):
        language = "en" if n % 2 else "zh-hans"
        client.cookies["django_language"] = language
        want, never = names[language]
        page = client.get("/outlets/nearest/", {"lat": 30.27, "lng": 120.15}).content.decode()
        api_nearest = client.get("/api/v1/outlets/nearest", {"lat": 30.27, "lng": 120.15}).json()["results"]
        listed = client.get("/api/v1/outlets/").json()
        one = client.get("/api/v1/outlets/A").json()
        labels = [r["kind_label"] for r in (*api_nearest, *listed, one) if r["kind"] == "police_station"]
        assert labels and all(want in label and never not in label for label in labels), (language, labels)
        assert want in page and never not in page, language


def test_an_outlet_open_around_the_clock_reads_open_all_day(three: list[Outlet], client: Any, now: dt.datetime) -> None:
    """A self-service kiosk open 00:00-24:00 does not "close at 00:00": it is open all day."""
    outlet_upsert(
        code="K",
        name="自助终端",
        kind="kiosk",
        region_code="330106",
        lat=30.2700,
        lng=120.1500,
        items=["X"],
        hours={d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        at=now,
    )
    outlet_snapshot_clear()
    page = client.get("/outlets/nearest/", {"lat": 30.27, "lng": 120.15}).content.decode()
    kiosk = page.split('data-code="K"')[1].split("</li>")[0]
    assert "全天开放" in kiosk and "下班" not in kiosk
    assert "全天开放" not in page.split('data-code="A"')[1].split("</li>")[0]  # the others keep their hours
    client.cookies["django_language"] = "en"
    page = client.get("/outlets/nearest/", {"lat": 30.27, "lng": 120.15}).content.decode()
    assert "Open 24 hours" in page.split('data-code="K"')[1].split("</li>")[0]
