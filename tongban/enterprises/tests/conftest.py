"""Fixtures: the real truck-pass catalog item, certificate keys in a temporary directory, and an
enterprise whose administrator is the ``citizen`` persona with a fleet at the class edges."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ITEM = Path(__file__).resolve().parents[2] / "catalog" / "items" / "truck_pass.yaml"


@pytest.fixture(autouse=True)
def _cert_keys(settings: Any, tmp_path: Path) -> None:
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"


@pytest.fixture(autouse=True)
def _calendar_cache() -> Any:
    from tongban.workdays.selectors import calendar_clear_cache

    calendar_clear_cache()
    yield
    calendar_clear_cache()


@pytest.fixture
def truck_item(db: None, now: dt.datetime, tmp_path: Path) -> None:
    from tongban.catalog.services import catalog_load

    folder = tmp_path / "items"
    folder.mkdir()
    shutil.copy(ITEM, folder / ITEM.name)
    catalog_load(at=now, directory=folder)


@dataclass
class Fleet:
    enterprise: Any
    admin: Any  # a User
    member: Any  # a User
    van_edge: Any  # van 6.0 m / 8.0 t: light
    box_edge: Any  # box 6.0 m / 8.0 t: large (6 m is a large truck's length unless it is a van)
    van_over: Any  # van 5.99 m / 8.001 t: medium (over the van mass, under a large truck's)
    large: Any  # 12 m / 25 t


@pytest.fixture
def fleet(personas: Any, now: dt.datetime, truck_item: None) -> Fleet:
    from tongban.enterprises.models import Enterprise, FleetVehicle, Membership
    from tongban.enterprises.uscc import make_uscc

    e = Enterprise.objects.create(
        uscc=make_uscc(region="330106", seq=4242), name="测试物流有限公司", region_code="330106",
        address="杭州市西湖区文三路 1 号", registered_on=dt.date(2015, 3, 1),
        liaison=personas.approvers["zhian"],
    )  # fmt: skip

    def truck(plate: str, body: str, length: int, mass: int) -> Any:
        return FleetVehicle.objects.create(
            enterprise=e, plate=plate, body=body, length_mm=length, gross_kg=mass, registered_on=dt.date(2020, 1, 1)
        )

    Membership.objects.create(enterprise=e, person=personas.citizen.person, role="admin", added_at=now)
    Membership.objects.create(enterprise=e, person=personas.other_citizen.person, role="member", added_at=now)
    return Fleet(
        enterprise=e,
        admin=personas.citizen,
        member=personas.other_citizen,
        van_edge=truck("浙AD0001", "van", 6000, 8000),
        box_edge=truck("浙AD0002", "box", 6000, 8000),
        van_over=truck("浙AD0003", "van", 5990, 8001),
        large=truck("浙AD0004", "tanker", 12000, 25000),
    )
