"""Fixtures for 微安居 tests: a landlord, a tenant and the 治安 officer (the personas), and
helpers that bring a property to a state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fresh_caches() -> Any:
    from tongban.outlets.selectors import outlet_snapshot_clear
    from tongban.workdays.selectors import calendar_clear_cache

    outlet_snapshot_clear()
    calendar_clear_cache()
    yield
    outlet_snapshot_clear()
    calendar_clear_cache()


@dataclass
class Rent:
    landlord: Any
    tenant: Any
    officer: Any
    now: dt.datetime

    @property
    def home_id(self) -> int:
        return int(self.landlord.person.household.address_id)

    def declare(self, **kw: Any) -> Any:
        from tongban.rentals.services import property_declare

        kw.setdefault("address_id", self.home_id)
        kw.setdefault("rooms", 2)
        kw.setdefault("capacity", 3)
        return property_declare(landlord=self.landlord, now=self.now, **kw)

    def approved(self, **kw: Any) -> Any:
        from tongban.rentals.services import property_review

        prop = self.declare(**kw)
        return property_review(number=prop.number, actor=self.officer, approve=True, now=self.now)

    def token(self, prop: Any) -> str:
        from tongban.rentals.services import property_token

        return property_token(prop)

    def moved_in(self, prop: Any, on: dt.date | None = None, tenant: Any = None) -> Any:
        from tongban.rentals.services import tenancy_declare

        return tenancy_declare(
            token=self.token(prop), tenant=tenant or self.tenant, moved_in_on=on or dt.date(2026, 3, 1), now=self.now
        )


@pytest.fixture
def rent(personas: Any, now: dt.datetime) -> Rent:
    return Rent(landlord=personas.citizen, tenant=personas.other_citizen, officer=personas.approvers["zhian"], now=now)
