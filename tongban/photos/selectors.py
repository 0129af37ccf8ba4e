"""Photo library reads: standards, a person's captures, files, and what a capture covers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from tongban.common.access import access_filter, access_get
from tongban.photos.engine.standards import PhotoStandard, StandardError
from tongban.photos.models import PhotoCapture, PhotoDerivative, PhotoStandardRecord


def standards_active() -> dict[str, PhotoStandard]:
    """Active standards from the database (administrators' copy), in table order.

    A row that no longer validates is skipped (and stays visible, with its error, in the
    admin) rather than breaking every upload.
    """
    out: dict[str, PhotoStandard] = {}
    for row in PhotoStandardRecord.objects.filter(active=True).order_by("id"):
        try:
            out[row.code] = row.as_standard()
        except StandardError:
            continue
    return out


def photo_offer_url(derivative_id: int) -> str:
    """Where an authorised user downloads a derivative."""
    return reverse("photos:derivative_file", args=[derivative_id])


def captures_for(*, user: Any, id_number: str | None = None) -> QuerySet[PhotoCapture]:
    """Captures the user may see, newest first (a citizen: their own only)."""
    qs = access_filter(user, PhotoCapture.objects.all())
    if id_number:
        qs = qs.filter(id_number=id_number.strip().upper())
    return qs.prefetch_related("derivatives").order_by("-captured_at", "-id")


def capture_get(*, user: Any, capture_id: int) -> PhotoCapture:
    """One capture the user may see. Raises NotFound otherwise."""
    return access_get(user, PhotoCapture.objects.prefetch_related("derivatives"), pk=capture_id)


def derivative_get(*, user: Any, derivative_id: int) -> PhotoDerivative:
    """One derivative the user may see. Raises NotFound otherwise."""
    return access_get(user, PhotoDerivative.objects.select_related("capture"), pk=derivative_id)


def capture_view(*, capture: PhotoCapture, standards: Mapping[str, PhotoStandard] | None = None) -> dict[str, Any]:
    """The capture as API/page data: report, verified derivatives, documents it covers."""
    stds = standards if standards is not None else standards_active()
    ders = []
    for d in sorted(
        capture.derivatives.all(), key=lambda d: list(stds).index(d.standard_code) if d.standard_code in stds else 99
    ):
        std = stds.get(d.standard_code)
        ders.append(
            {
                "id": d.pk,
                "standard": d.standard_code,
                "name_zh": std.name_zh if std else d.standard.get("name_zh", d.standard_code),
                "name_en": std.name_en if std else d.standard.get("name_en", d.standard_code),
                "bytes": d.bytes,
                "width": d.width,
                "height": d.height,
                "dpi": d.dpi,
                "url": photo_offer_url(d.pk),
                "verified": bool(d.verification.get("passed")),
            }
        )
    return {
        "id": capture.pk,
        "status": capture.status,
        "review": capture.review,
        "captured_at": capture.captured_at,
        "report": capture.report,
        "derivatives": ders,
        "covers": [d["name_zh"] for d in ders],
    }


def photo_keys_of(*, person_id: int | None, id_number: str) -> dict[str, list[str]]:
    """The audit keys of one person's photos (object type → ids as stored by a read), for the
    auditors' 查阅记录: their captures, by person or by ID number, and every derivative of them."""
    captures = PhotoCapture.objects.filter(id_number=id_number)
    if person_id is not None:
        captures = captures | PhotoCapture.objects.filter(person_id=person_id)
    capture_ids = list(captures.order_by().values_list("pk", flat=True).distinct())
    derivative_ids = PhotoDerivative.objects.filter(capture_id__in=capture_ids).values_list("pk", flat=True)
    return {
        "photo_capture": [str(pk) for pk in capture_ids],
        "photo_derivative": [str(pk) for pk in derivative_ids],
    }
