"""Fixtures for case tests: the test items (loaded through the catalog), a clean calendar cache,
certificate keys in a temporary directory, and helpers that drive a case along."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

ITEMS = Path(__file__).parent / "items"


@pytest.fixture(autouse=True)
def _calendar_cache() -> Any:
    from tongban.workdays.selectors import calendar_clear_cache

    calendar_clear_cache()
    yield
    calendar_clear_cache()


@pytest.fixture(autouse=True)
def _cert_keys(settings: Any, tmp_path: Path) -> None:
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"


@pytest.fixture
def items(db: None, now: dt.datetime) -> None:
    """t_permit (告知承诺, certificate), t_truck (4 working hours, notice), t_doc (document)."""
    from tongban.catalog.services import catalog_load

    catalog_load(at=now, directory=ITEMS)


def submit(user: Any, item: str = "t_permit", *, now: dt.datetime, **kw: Any) -> Any:
    from tongban.cases.services import case_submit

    kw.setdefault("form", {"months_resident": 12, "basis": "employment", "address": "杭州市西湖区文三路 1 号"})
    kw.setdefault("channel", "online")
    return case_submit(actor=user, item_code=item, now=now, **kw).case
