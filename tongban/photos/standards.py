"""Administrators' edits of a photo standard's values (the staff console): background colours,
pixel size, resolution, file size, colour tolerance and how long a photo may be reused.

The head geometry and the sources stay as the data file states them; the engine validates the
whole standard before anything is saved. The audit row (``photo_standard.update``) keeps the
values before and after, which is the standard's version history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from tongban.audit.services import audit_record
from tongban.common.access import Viewer
from tongban.common.errors import Invalid, NotFound
from tongban.photos.engine.standards import StandardError
from tongban.photos.models import PhotoStandardRecord

#: The values the console edits (model field names).
EDITABLE = (
    "backgrounds",
    "width_px",
    "height_px",
    "dpi",
    "kb_min",
    "kb_max",
    "background_tolerance",
    "validity_days",
    "active",
)


def standard_records() -> list[PhotoStandardRecord]:
    """Every photo standard row, active or not, in table order."""
    return list(PhotoStandardRecord.objects.order_by("id"))


def standard_record_get(*, code: str) -> PhotoStandardRecord:
    """One standard row by code. Raises NotFound."""
    row = PhotoStandardRecord.objects.filter(code=code).first()
    if row is None:
        raise NotFound(gettext("没有照片标准 %(code)s") % {"code": code}, code="standard_not_found")
    return row


def _values(row: PhotoStandardRecord) -> dict[str, Any]:
    return {name: getattr(row, name) for name in EDITABLE}


def photo_standard_update(
    *, code: str, values: dict[str, Any], actor: Viewer, at: dt.datetime, note: str = ""
) -> PhotoStandardRecord:
    """Set the editable values of standard ``code``; nothing is written when nothing changed.

    Raises NotFound, and Invalid (``field`` names the value, ``problems`` what is wrong) when a
    value is unknown or the engine refuses the resulting standard.
    """
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise Invalid(gettext("未知字段"), code="bad_field", problems=unknown)
    with transaction.atomic():
        row = PhotoStandardRecord.objects.select_for_update().filter(code=code).first()
        if row is None:
            raise NotFound(gettext("没有照片标准 %(code)s") % {"code": code}, code="standard_not_found")
        before = _values(row)
        for name, value in values.items():
            setattr(row, name, value)
        after = _values(row)
        if after == before:
            return row
        try:
            row.as_standard()
        except StandardError as exc:
            raise Invalid(
                gettext("照片标准不合法：%(path)s") % {"path": exc.path},
                code="standard_invalid",
                problems=[exc.problem],
            ) from None
        row.save()
        audit_record(
            action="photo_standard.update",
            object_type="photo_standard",
            object_id=code,
            at=at,
            actor=actor,
            data={"before": before, "after": after, "note": note[:200]},
        )
    return row
