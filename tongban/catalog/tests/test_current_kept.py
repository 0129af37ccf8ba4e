"""An item's current version is kept a few seconds per process (tongban.common.lookups): a
version published here is current at once, a change made elsewhere is seen when they are up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest


@pytest.mark.django_db
def test_an_item_published_here_is_current_at_once(settings: Any, admin_user: Any) -> None:
    from tongban.catalog.selectors import item_get
    from tongban.catalog.services import item_version_create

    settings.LOOKUP_CACHE_SECONDS = 60
    at = dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC)
    before = item_get(code="no_criminal_record")
    data = before.model_dump(mode="json", by_alias=True)
    data.pop("version", None)
    data["fee_yuan"] = 0
    data["name_en"] = before.name_en + " (revised)"
    item_version_create(code="no_criminal_record", data=data, actor=admin_user, at=at, note="test")
    after = item_get(code="no_criminal_record")
    assert after.version == before.version + 1 and after.name_en.endswith("(revised)")


@pytest.mark.django_db
def test_an_item_changed_elsewhere_is_seen_when_the_seconds_are_up(settings: Any, lookup_clock: Any) -> None:
    from tongban.catalog.models import Item
    from tongban.catalog.selectors import item_get
    from tongban.common.errors import NotFound

    settings.LOOKUP_CACHE_SECONDS = 5
    assert item_get(code="no_criminal_record").code == "no_criminal_record"
    Item.objects.filter(code="no_criminal_record").update(published=False)  # another process withdrew it
    assert item_get(code="no_criminal_record").code == "no_criminal_record"
    lookup_clock.t += 6
    with pytest.raises(NotFound):
        item_get(code="no_criminal_record")
