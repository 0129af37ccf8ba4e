"""Outlet writes: create or update an outlet, set the items it accepts.

Each write is one transaction with one audit row; the per-process snapshot the nearest-outlet
search answers from is dropped after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from tongban.audit.services import audit_record
from tongban.common.access import Viewer
from tongban.common.errors import Invalid
from tongban.common.lookups import lookups_changed
from tongban.outlets.geo import OpeningHours
from tongban.outlets.models import Outlet, OutletItem, OutletKind
from tongban.outlets.selectors import outlet_snapshot_clear, to_wgs84

_FIELDS = ("name", "kind", "region_code", "address", "phone", "extended_hours", "home_visit", "bookable", "active")


def outlet_upsert(
    *,
    code: str,
    lat: float,
    lng: float,
    datum: str = "wgs84",
    hours: dict[str, Any] | None = None,
    items: Iterable[str] | None = None,
    at: dt.datetime,
    actor: Viewer | None = None,
    **fields: Any,
) -> Outlet:
    """Create or update the outlet ``code``. Coordinates may be given in GCJ-02 (picked on a
    Chinese map) and are stored as WGS-84; ``items`` (when given) replaces the accepted items.
    Raises Invalid for an unknown kind or field, bad coordinates or malformed hours."""
    unknown = set(fields) - set(_FIELDS)
    if unknown:
        raise Invalid(gettext("未知字段"), code="bad_field")
    if "kind" in fields and fields["kind"] not in OutletKind.values:
        raise Invalid(gettext("未知网点类型"), code="bad_kind")
    wlat, wlng = to_wgs84(lat=lat, lng=lng, datum=datum)
    if hours is not None:
        try:
            OpeningHours.from_data(hours)
        except ValueError as exc:
            raise Invalid(gettext("办公时间格式错误"), code="bad_hours") from exc
    with transaction.atomic():
        lookups_changed()
        outlet = Outlet.objects.select_for_update().filter(code=code).first()
        created = outlet is None
        if outlet is None:
            outlet = Outlet(code=code)
        for name, value in fields.items():
            setattr(outlet, name, value)
        outlet.lat, outlet.lng = round(wlat, 7), round(wlng, 7)
        if hours is not None:
            outlet.hours = hours
        outlet.full_clean(exclude=["hours"])
        outlet.save()
        if items is not None:
            _replace_items(outlet, items)
        audit_record(
            action="outlet.create" if created else "outlet.update",
            object_type="outlet",
            object_id=outlet.code,
            at=at,
            actor=actor,
            data={"kind": outlet.kind, "items": sorted(items) if items is not None else None},
        )
        transaction.on_commit(outlet_snapshot_clear)
    return outlet


def _replace_items(outlet: Outlet, items: Iterable[str]) -> None:
    wanted = set(items)
    OutletItem.objects.filter(outlet=outlet).exclude(item_code__in=wanted).delete()
    have = set(OutletItem.objects.filter(outlet=outlet).values_list("item_code", flat=True))
    OutletItem.objects.bulk_create([OutletItem(outlet=outlet, item_code=c) for c in sorted(wanted - have)])


def outlet_items_set(*, code: str, items: Iterable[str], at: dt.datetime, actor: Viewer | None = None) -> None:
    """Replace the items outlet ``code`` accepts. Raises NotFound."""
    from tongban.outlets.selectors import outlet_get

    outlet = outlet_get(code=code)
    items = sorted(set(items))
    with transaction.atomic():
        lookups_changed()
        _replace_items(outlet, items)
        audit_record(
            action="outlet.items", object_type="outlet", object_id=code, at=at, actor=actor, data={"items": items}
        )
        transaction.on_commit(outlet_snapshot_clear)


def outlet_hours_set(*, code: str, hours: dict[str, Any], at: dt.datetime, actor: Viewer, note: str = "") -> Outlet:
    """Replace outlet ``code``'s opening hours (weekly hours, holiday hours and dated closures or
    special hours) and keep the previous hours in the audit row (``outlet.hours``), which is the
    outlet's version history. Raises NotFound, and Invalid for malformed hours."""
    from tongban.outlets.selectors import outlet_get

    try:
        normal = OpeningHours.from_data(hours).to_data()
    except ValueError as exc:
        raise Invalid(gettext("办公时间格式错误"), code="bad_hours", problems=[str(exc)]) from None
    outlet_get(code=code)
    with transaction.atomic():
        lookups_changed()
        outlet = Outlet.objects.select_for_update().get(code=code)
        before = outlet.hours
        if OpeningHours.from_data(before or {}).to_data() == normal:
            return outlet
        outlet.hours = normal
        outlet.save(update_fields=["hours"])
        audit_record(
            action="outlet.hours",
            object_type="outlet",
            object_id=code,
            at=at,
            actor=actor,
            data={"before": before, "after": normal, "note": note[:200]},
        )
        transaction.on_commit(outlet_snapshot_clear)
    return outlet
