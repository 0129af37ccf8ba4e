"""The demo city's outlets (about 200 in Hangzhou), spread with the registry's population.

``demo_load`` is called by ``tongban demo-setup``; ``tongban gen-outlets`` calls ``outlets_generate``
directly. Both are idempotent: outlets are keyed by code, and a second run only brings the items
each outlet accepts in line with the catalog.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml
from django.db import transaction

from tongban.audit.services import audit_record
from tongban.common.lookups import lookups_changed
from tongban.outlets.models import Outlet, OutletItem, OutletKind
from tongban.outlets.selectors import outlet_snapshot_clear, population_points


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


DATA = Path(__file__).parent / "data" / "hangzhou_districts.yaml"

# How many of each kind the demo city gets (Yantai: 173 stations with 综合窗口 = 96 %;
# Suzhou: kiosks and 5G all-in-one machines; Yantai: hospitals doing driver medical checks).
KIND_COUNTS: dict[str, int] = {
    OutletKind.POLICE_STATION: 96,
    OutletKind.KIOSK: 45,
    OutletKind.HOSPITAL: 25,
    OutletKind.ALL_IN_ONE_5G: 20,
    OutletKind.EXIT_ENTRY_HALL: 6,
    OutletKind.VEHICLE_HALL: 5,
}
COMPREHENSIVE_WINDOW_SHARE = 0.96  # police stations with a 综合窗口 (1+X): the rest do 户政 only
FIVE_G_ITEMS = 20  # Suzhou: 5G all-in-one machines handle 20 items

_CODE = {
    OutletKind.POLICE_STATION: "PS",
    OutletKind.KIOSK: "KS",
    OutletKind.HOSPITAL: "HS",
    OutletKind.ALL_IN_ONE_5G: "5G",
    OutletKind.EXIT_ENTRY_HALL: "EE",
    OutletKind.VEHICLE_HALL: "VH",
    OutletKind.GOV_CENTRE: "GC",
}
_STREETS = [
    "文一路",
    "文二路",
    "天目山路",
    "延安路",
    "解放路",
    "庆春路",
    "秋涛路",
    "江南大道",
    "市心路",
    "文化路",
    "人民路",
]

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def _hours(kind: str, extended: bool) -> dict[str, Any]:
    if kind in (OutletKind.KIOSK,):
        day = "00:00-24:00"
        return {d: day for d in (*_WEEKDAYS, "sat", "sun")} | {"holiday": day}
    if kind == OutletKind.ALL_IN_ONE_5G:
        day = "08:00-22:00"
        return {d: day for d in (*_WEEKDAYS, "sat", "sun")} | {"holiday": day}
    if kind == OutletKind.HOSPITAL:
        day = "08:00-11:30,13:30-16:30"
        return {d: day for d in _WEEKDAYS} | {"sat": "08:00-11:30", "holiday": ""}
    day = "09:00-12:00,13:30-20:00" if extended else "09:00-12:00,13:30-17:30"
    hours: dict[str, Any] = {d: day for d in _WEEKDAYS} | {"holiday": ""}
    if extended or kind in (OutletKind.GOV_CENTRE, OutletKind.EXIT_ENTRY_HALL):
        hours["sat"] = "09:00-12:00"
    return hours


@dataclass(frozen=True)
class _District:
    code: str
    name: str
    lat: float
    lng: float
    places: tuple[str, ...]


def _districts() -> dict[str, _District]:
    rows = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {r["code"]: _District(r["code"], r["name"], r["lat"], r["lng"], tuple(r["places"])) for r in rows}


def district_names() -> dict[str, str]:
    """District code → name for the demo city (labels for coverage reports)."""
    return {code: d.name for code, d in _districts().items()}


def _population(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """People to spread outlets with: the registry's located people, or (when it has none)
    points drawn around the district centres of the YAML table, weighted by residents."""
    lat, lng, dist = population_points()
    known = set(_districts())
    if lat.size >= 500:
        keep = np.isin(dist, list(known))
        if keep.sum() >= 500:
            return lat[keep], lng[keep], dist[keep], "registry"
    rows = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    n = 200_000
    weights = np.array([r["pop"] for r in rows], dtype=np.float64)
    which = rng.choice(len(rows), size=n, p=weights / weights.sum())
    km = np.array([r["km"] for r in rows], dtype=np.float64)[which]
    clat = np.array([r["lat"] for r in rows])[which]
    clng = np.array([r["lng"] for r in rows])[which]
    r_deg = km / 111.2
    plat = clat + rng.normal(size=n) * r_deg * 0.6
    plng = clng + rng.normal(size=n) * r_deg * 0.6 / math.cos(math.radians(30.0))
    codes = np.array([r["code"] for r in rows])[which]
    return plat, plng, codes, "district table"


def _allocate(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Largest-remainder split of ``total`` over districts by weight, each district ≥ 0."""
    s = sum(weights.values())
    raw = {k: total * w / s for k, w in weights.items()}
    out = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - out[k], reverse=True)[: total - sum(out.values())]:
        out[k] += 1
    return out


def _catalog_items() -> list[tuple[str, str, list[str]]]:
    """(code, department, outlet kinds) for every published catalog item."""
    from tongban.catalog.selectors import items_list

    return [(i.code, i.department, list(i.outlet_types)) for i in items_list()]


def _items_for(kind: str, seq: int, catalog: list[tuple[str, str, list[str]]], rng_value: float) -> list[str]:
    handled = [(c, d) for c, d, kinds in catalog if kind in kinds]
    if kind == OutletKind.POLICE_STATION and rng_value >= COMPREHENSIVE_WINDOW_SHARE:
        return [c for c, d in handled if d == "huzheng"]
    if kind == OutletKind.ALL_IN_ONE_5G:
        return [c for c, _ in handled][:FIVE_G_ITEMS]
    return [c for c, _ in handled]


def outlets_generate(*, at: dt.datetime, seed: int = 2026, stdout: Writer | None = None) -> int:
    """Create the demo outlets that do not exist yet and align every demo outlet's items with
    the catalog. Returns how many outlets were created."""
    rng = np.random.default_rng(seed)
    districts = _districts()
    plat, plng, pdist, source = _population(rng)
    weights = {code: int((pdist == code).sum()) for code in districts}
    catalog = _catalog_items()
    plans: list[dict[str, Any]] = []
    # One government service centre per district, at the district centre.
    for d in districts.values():
        plans.append({"kind": OutletKind.GOV_CENTRE, "district": d, "lat": d.lat, "lng": d.lng})
    for kind, count in KIND_COUNTS.items():
        split = _allocate(count, {k: w for k, w in weights.items() if w > 0})
        if kind in (OutletKind.EXIT_ENTRY_HALL, OutletKind.VEHICLE_HALL):
            # Halls sit in the populous districts only.
            top = sorted(weights, key=lambda k: weights[k], reverse=True)[:count]
            split = {k: (1 if k in top else 0) for k in weights}
        for code, n in sorted(split.items()):
            idx = np.flatnonzero(pdist == code)
            if n == 0 or idx.size == 0:
                continue
            for j in rng.choice(idx, size=n, replace=idx.size < n):
                jitter = rng.normal(size=2) * 0.0008
                plans.append(
                    {
                        "kind": kind,
                        "district": districts[code],
                        "lat": float(plat[j] + jitter[0]),
                        "lng": float(plng[j] + jitter[1]),
                    }
                )
    existing = set(Outlet.objects.values_list("code", flat=True))
    seq: dict[tuple[str, str], int] = {}
    created = 0
    rows: list[tuple[Outlet, list[str]]] = []
    with transaction.atomic():
        lookups_changed()
        for plan in plans:
            kind, d = plan["kind"], plan["district"]
            n = seq[(d.code, kind)] = seq.get((d.code, kind), 0) + 1
            code = f"{d.code}-{_CODE[kind]}-{n:03d}"
            draw = float(rng.random())
            extended = kind == OutletKind.GOV_CENTRE or (kind == OutletKind.POLICE_STATION and draw < 0.3)
            items = _items_for(kind, n, catalog, float(rng.random()))
            # The n-th outlet of a kind in a district takes the district's n-th place name.
            cycle, at_place = divmod(n - 1, len(d.places))
            place = d.places[at_place] + ("", "东", "西", "南", "北", "中")[min(cycle, 5)]
            street = _STREETS[int(rng.integers(0, len(_STREETS)))]
            if code not in existing:
                name = {
                    OutletKind.POLICE_STATION: f"{d.name}{place}派出所综合窗口",
                    OutletKind.KIOSK: f"{d.name}{place}自助服务终端",
                    OutletKind.HOSPITAL: f"{d.name}{place}医院（驾驶人体检）",
                    OutletKind.ALL_IN_ONE_5G: f"{d.name}{place}5G 政务服务一体机",
                    OutletKind.EXIT_ENTRY_HALL: f"{d.name}出入境接待大厅",
                    OutletKind.VEHICLE_HALL: f"{d.name}车管所服务大厅",
                    OutletKind.GOV_CENTRE: f"{d.name}政务服务中心公安窗口",
                }[kind]
                outlet = Outlet.objects.create(
                    code=code,
                    name=name,
                    kind=kind,
                    region_code=d.code,
                    address=f"杭州市{d.name}{street}{int(rng.integers(1, 600))}号",
                    lat=round(plan["lat"], 7),
                    lng=round(plan["lng"], 7),
                    phone=f"0571-8{int(rng.integers(0, 10**7)):07d}",
                    hours=_hours(kind, extended),
                    extended_hours=extended,
                    home_visit=kind == OutletKind.POLICE_STATION and draw < 0.5,
                    bookable=kind not in (OutletKind.KIOSK, OutletKind.ALL_IN_ONE_5G),
                )
                created += 1
            else:
                outlet = Outlet(code=code)
            rows.append((outlet, items))
        _align_items(rows)
        _fill_bureaus()
        audit_record(
            action="outlet.generate",
            object_type="outlet",
            object_id="demo",
            at=at,
            data={"created": created, "outlets": len(rows), "population": source},
        )
        transaction.on_commit(outlet_snapshot_clear)
    if stdout is not None:
        stdout.write(
            f"outlets: {created} created, {len(rows)} in the demo city "
            f"(spread with the {source}); {len(catalog)} catalog items linked\n"
        )
    return created


def _fill_bureaus() -> None:
    """Every outlet without a bureau gets its region's (registry city data)."""
    from tongban.registry.bureaus import bureau_of

    for region in Outlet.objects.filter(bureau="").values_list("region_code", flat=True).distinct():
        bureau = bureau_of(region)
        if bureau is not None:
            Outlet.objects.filter(bureau="", region_code=region).update(
                bureau=bureau.name_zh[:60], bureau_en=bureau.name_en[:120]
            )


def _align_items(rows: list[tuple[Outlet, list[str]]]) -> None:
    by_code = dict(Outlet.objects.filter(code__in=[o.code for o, _ in rows]).values_list("code", "id"))
    wanted = {(by_code[o.code], c) for o, items in rows for c in items}
    ids = list(by_code.values())
    have = set(OutletItem.objects.filter(outlet_id__in=ids).values_list("outlet_id", "item_code"))
    for outlet_id, code in have - wanted:
        OutletItem.objects.filter(outlet_id=outlet_id, item_code=code).delete()
    OutletItem.objects.bulk_create(
        [OutletItem(outlet_id=o, item_code=c) for o, c in sorted(wanted - have)], batch_size=2000
    )


def demo_load(*, now: dt.datetime, stdout: Writer) -> None:
    """Demo-setup hook: the demo city's outlets."""
    outlets_generate(at=now, stdout=stdout)
