"""Public security bureaus (公安机关) by administrative region, read from the city data files
(``registry/data/cities/<code>.yaml``: ``police`` of the city and of each district).

A district's bureau is a branch of the city's (``上城分局`` → 杭州市公安局上城分局) unless the data
names a bureau of its own (``桐庐县公安局``). Results name these bureaus as their issuers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Bureau:
    """A bureau: the region code it answers for, its names, and the city bureau above it."""

    code: str
    name_zh: str
    name_en: str
    city_code: str
    city_zh: str
    city_en: str


@cache
def _city(code4: str) -> dict[str, Any] | None:
    try:
        text = resources.files("tongban.registry").joinpath(f"data/cities/{code4}.yaml").read_text("utf-8")
    except FileNotFoundError:
        return None
    data = yaml.safe_load(text)
    return data if isinstance(data, dict) else None


def bureau_of(region_code: str) -> Bureau | None:
    """The bureau of a region (a district's, or the city's for a city code); None for a region
    no city data file covers."""
    code = (region_code or "")[:6]
    city = _city(code[:4]) if len(code) == 6 else None
    if city is None or "police" not in city:
        return None
    city_zh, city_en = str(city["police"]), str(city.get("police_en") or city["police"])
    name_zh, name_en = city_zh, city_en
    for d in city.get("districts", []):
        if str(d.get("code")) == code and d.get("police"):
            own_zh, own_en = str(d["police"]), str(d.get("police_en") or d["police"])
            if own_zh.endswith("分局"):
                name_zh, name_en = city_zh + own_zh, f"{own_en}, {city_en}"
            else:
                name_zh, name_en = own_zh, own_en
            break
    return Bureau(code, name_zh, name_en, str(city["code"]), city_zh, city_en)


#: Provinces by the first two digits of a region code (GB/T 2260), to name a 户籍 outside the city.
_PROVINCES = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}


def province_name(region_code: str) -> str | None:
    """The province of a region code, or None."""
    return _PROVINCES.get((region_code or "")[:2])
