"""The city definition: districts, streets and communities read from ``registry/data/``.

The structure (region codes, community names, road names, coordinates) depends only on the data
files, never on the seed, so every generated population lives in the same city and other modules
can rely on its region codes.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from tongban.common.ids import region_codes

KM_PER_DEG_LAT = 111.0
_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


class CityNotDefined(LookupError):
    """No data file describes the requested city."""


def _data(name: str) -> Any:
    text = resources.files("tongban.registry").joinpath(f"data/{name}").read_text("utf-8")
    return yaml.safe_load(text)


@cache
def population_model() -> dict[str, Any]:
    """The population model (``data/population.yaml``)."""
    model: dict[str, Any] = _data("population.yaml")
    return model


@cache
def names_model() -> dict[str, Any]:
    """Surnames and given names (``data/names.yaml``)."""
    names: dict[str, Any] = _data("names.yaml")
    return names


def _stable_rng(*parts: str) -> np.random.Generator:
    """A generator seeded from names, so the structure never depends on the population seed."""
    return np.random.default_rng(zlib.crc32("/".join(parts).encode()))


@dataclass(frozen=True)
class District:
    """A district or county (区县) with its population weight and share of migrants."""

    code: str
    name: str
    police: str
    weight: float
    migrant_share: float
    lat: float
    lng: float
    radius_km: float
    former: tuple[tuple[str, int], ...]

    @property
    def id_code(self) -> str:
        """The code new ID numbers get: the district's own, or (when the ID validator's list lacks
        it) the newest former code, so every generated number stays valid."""
        if self.code in region_codes():
            return self.code
        return self.former[-1][0]


@dataclass
class City:
    """One city's administrative structure, as parallel arrays for vectorised sampling."""

    code: str
    name: str
    province_code: str
    province_name: str
    plate_prefix: str
    police: str
    center: tuple[float, float]
    districts: list[District]
    hospitals: dict[str, list[str]]
    # streets
    street_code: list[str] = field(default_factory=list)
    street_name: list[str] = field(default_factory=list)
    street_district: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    street_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    street_lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    street_lng: np.ndarray = field(default_factory=lambda: np.zeros(0))
    street_radius_km: np.ndarray = field(default_factory=lambda: np.zeros(0))
    street_roads: list[list[str]] = field(default_factory=list)
    # communities
    community_code: list[str] = field(default_factory=list)
    community_name: list[str] = field(default_factory=list)
    community_street: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    community_village: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    community_lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    community_lng: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # per district: the index range of its streets, and of communities per street
    district_streets: list[np.ndarray] = field(default_factory=list)
    street_communities: list[np.ndarray] = field(default_factory=list)

    @property
    def district_codes(self) -> list[str]:
        return [d.code for d in self.districts]

    def region_rows(self) -> list[dict[str, Any]]:
        """Region rows from province to community; ``population_weight`` is the share of residents."""
        total_w = sum(d.weight for d in self.districts)
        rows: list[dict[str, Any]] = [
            {
                "code": self.province_code,
                "name": self.province_name,
                "level": "province",
                "parent_id": None,
                "lat": None,
                "lng": None,
                "population_weight": 0.0,
            },
            {
                "code": self.code,
                "name": self.name,
                "level": "city",
                "parent_id": self.province_code,
                "lat": self.center[0],
                "lng": self.center[1],
                "population_weight": 1.0,
            },
        ]
        for di, d in enumerate(self.districts):
            share = d.weight / total_w
            rows.append(
                {
                    "code": d.code,
                    "name": d.name,
                    "level": "district",
                    "parent_id": self.code,
                    "lat": d.lat,
                    "lng": d.lng,
                    "population_weight": round(share, 6),
                }
            )
            streets = self.district_streets[di]
            sw = self.street_weight[streets] / self.street_weight[streets].sum()
            for si, s_share in zip(streets.tolist(), sw.tolist(), strict=True):
                rows.append(
                    {
                        "code": self.street_code[si],
                        "name": self.street_name[si],
                        "level": "street",
                        "parent_id": d.code,
                        "lat": round(float(self.street_lat[si]), 6),
                        "lng": round(float(self.street_lng[si]), 6),
                        "population_weight": round(share * s_share, 8),
                    }
                )
                comms = self.street_communities[si]
                for ci in comms.tolist():
                    rows.append(
                        {
                            "code": self.community_code[ci],
                            "name": self.community_name[ci],
                            "level": "community",
                            "parent_id": self.street_code[si],
                            "lat": round(float(self.community_lat[ci]), 6),
                            "lng": round(float(self.community_lng[ci]), 6),
                            "population_weight": round(share * s_share / len(comms), 10),
                        }
                    )
        return rows


def _street_kind(name: str) -> str:
    if name.endswith("街道"):
        return "street"
    if name.endswith("乡"):
        return "township"
    return "town"


# How many residents a kind of street holds relative to an urban 街道, and its communities.
_KIND_WEIGHT = {"street": 3.0, "town": 1.4, "township": 0.5}
_KIND_COMMUNITIES = {"street": (8, 15), "town": (9, 16), "township": (5, 10)}
_URBAN_SUFFIX = ("", "", "", "一区", "二区", "新村", "花园", "苑", "家园", "东区", "西区", "北苑", "南苑")


def _community_names(
    kind: str, count: int, rng: np.random.Generator, words: dict[str, list[str]]
) -> list[tuple[str, bool]]:
    names: list[tuple[str, bool]] = []
    seen: set[str] = set()
    urban = {"street": count, "town": max(2, count // 4), "township": 1}[kind]
    while len(names) < count:
        if len(names) < urban:
            w = words["community_words"][rng.integers(len(words["community_words"]))]
            name = f"{w}{_URBAN_SUFFIX[rng.integers(len(_URBAN_SUFFIX))]}社区"
            village = False
        else:
            a = words["village_words"][rng.integers(len(words["village_words"]))]
            b = words["village_words"][rng.integers(len(words["village_words"]))]
            t = words["village_tail"][rng.integers(len(words["village_tail"]))]
            name = f"{a}{b}{t}村" if a != b else f"{a}{t}村"
            village = True
        if name not in seen:
            seen.add(name)
            names.append((name, village))
    return names


def _offset(lat: float, lng: float, radius_km: float, angle: float, frac: float) -> tuple[float, float]:
    r = radius_km * math.sqrt(frac)
    dlat = r * math.sin(angle) / KM_PER_DEG_LAT
    dlng = r * math.cos(angle) / (KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return lat + dlat, lng + dlng


@cache
def load_city(code: str = "3301") -> City:
    """The city whose data file is ``data/cities/<code>.yaml`` (a 4-digit city code).

    Raises CityNotDefined when there is no such file.
    """
    code = code[:4]
    try:
        raw = _data(f"cities/{code}.yaml")
    except FileNotFoundError:
        raise CityNotDefined(f"no city definition for {code} (registry/data/cities/{code}.yaml)") from None
    words = population_model()["addresses"]
    known = region_codes()
    districts = [
        District(
            code=d["code"],
            name=d["name"],
            police=d["police"],
            weight=float(d["weight"]),
            migrant_share=float(d["migrant_share"]),
            lat=d["center"][0],
            lng=d["center"][1],
            radius_km=float(d["radius_km"]),
            former=tuple((c, int(y)) for c, y in d.get("former", []) if c in known),
        )
        for d in raw["districts"]
    ]
    unusable = [d.code for d in districts if d.code not in known and not d.former]
    if unusable:
        raise CityNotDefined(f"district codes not in region_codes.txt: {unusable}")
    city = City(
        code=raw["code"],
        name=raw["name"],
        province_code=raw["province"]["code"],
        province_name=raw["province"]["name"],
        plate_prefix=raw["plate_prefix"],
        police=raw["police"],
        center=(float(raw["center"][0]), float(raw["center"][1])),
        districts=districts,
        hospitals={str(k): list(v) for k, v in raw["hospitals"].items()},
    )
    s_dist: list[int] = []
    s_w: list[float] = []
    s_lat: list[float] = []
    s_lng: list[float] = []
    s_rad: list[float] = []
    c_street: list[int] = []
    c_village: list[bool] = []
    c_lat: list[float] = []
    c_lng: list[float] = []
    for di, (d, draw) in enumerate(zip(districts, raw["districts"], strict=True)):
        counters = {"street": 0, "town": 100, "township": 200}
        first = len(city.street_code)
        n_streets = len(draw["streets"])
        street_radius = max(0.8, d.radius_km / math.sqrt(n_streets))
        for k, entry in enumerate(draw["streets"]):
            name = entry[0] if isinstance(entry, list) else entry
            kind = _street_kind(name)
            counters[kind] += 1
            scode = f"{d.code}{counters[kind]:03d}"
            if isinstance(entry, list) and len(entry) == 3:
                lat, lng = float(entry[1]), float(entry[2])
            else:  # no coordinates in the data: a golden-angle spiral around the centroid
                lat, lng = _offset(d.lat, d.lng, d.radius_km, k * _GOLDEN_ANGLE, (k + 0.5) / n_streets)
            rng = _stable_rng(scode, name)
            city.street_code.append(scode)
            city.street_name.append(name)
            s_dist.append(di)
            s_w.append(_KIND_WEIGHT[kind])
            s_lat.append(lat)
            s_lng.append(lng)
            radius = street_radius * (0.6 if kind == "street" else 1.0)
            s_rad.append(radius)
            roads = rng.choice(len(words["road_words"]), size=6, replace=False)
            city.street_roads.append(
                [words["road_words"][r] + words["road_suffix"][rng.integers(len(words["road_suffix"]))] for r in roads]
            )
            lo, hi = _KIND_COMMUNITIES[kind]
            comm_first = len(city.community_code)
            comms = _community_names(kind, int(rng.integers(lo, hi + 1)), rng, words)
            n_urban = n_village = 0
            for ci, (cname, village) in enumerate(comms):
                if village:
                    n_village += 1
                    ccode = f"{scode}{200 + n_village:03d}"
                else:
                    n_urban += 1
                    ccode = f"{scode}{n_urban:03d}"
                # Neighbourhoods cluster near the street centre, villages spread further out.
                spread = radius * (1.0 if village else 0.6)
                clat, clng = _offset(
                    lat, lng, spread, ci * _GOLDEN_ANGLE + float(rng.random()), float(rng.uniform(0.05, 1.0))
                )
                city.community_code.append(ccode)
                city.community_name.append(cname)
                c_street.append(len(city.street_code) - 1)
                c_village.append(village)
                c_lat.append(clat)
                c_lng.append(clng)
            city.street_communities.append(np.arange(comm_first, len(city.community_code)))
        city.district_streets.append(np.arange(first, len(city.street_code)))
    city.street_district = np.array(s_dist, np.int64)
    city.street_weight = np.array(s_w)
    city.street_lat = np.array(s_lat)
    city.street_lng = np.array(s_lng)
    city.street_radius_km = np.array(s_rad)
    city.community_street = np.array(c_street, np.int64)
    city.community_village = np.array(c_village, bool)
    city.community_lat = np.array(c_lat)
    city.community_lng = np.array(c_lng)
    return city
