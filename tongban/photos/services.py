"""Photo library writes: capture, derive, review, and record a use.

Each write is one transaction with one audit row; derivation runs as a task enqueued after the
capture commits (immediately in the embedded mode). The image work itself is the pure engine in
``tongban.photos.engine``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext

from tongban.audit.services import audit_record
from tongban.common.access import Viewer
from tongban.common.errors import Forbidden, Invalid, NotFound
from tongban.common.ids import InvalidIdNumber, parse_id_number
from tongban.photos.engine.pipeline import process, stored_original
from tongban.photos.engine.standards import PhotoStandard
from tongban.photos.models import (
    CaptureChannel,
    CaptureReview,
    CaptureStatus,
    PhotoCapture,
    PhotoDerivative,
    PhotoUse,
)
from tongban.photos.schemas import PhotoOffer
from tongban.photos.selectors import photo_offer_url, standards_active

log = logging.getLogger(__name__)


def _person_for(id_number: str) -> Any:
    # the registry's one-row read by ID number in plain SQL (the ORM compile cost more than it)
    from tongban.registry.selectors import person_for_sources

    return person_for_sources(id_number=id_number)


def photo_capture(
    *,
    data: bytes,
    id_number: str,
    channel: str,
    at: dt.datetime,
    actor: Viewer | None = None,
    outlet_id: int | None = None,
    source_name: str = "",
    derive: bool = True,
) -> PhotoCapture:
    """Check one uploaded photo and store the stripped original with its quality report.

    A refused file (broken, hostile, not an image) is recorded with its error and no file.
    If the photo passes, ``photo_derive`` is enqueued after commit. Raises Invalid for a
    malformed ID number or unknown channel.
    """
    if channel not in CaptureChannel.values:
        raise Invalid(gettext("未知的采集渠道"))
    number = ""
    if id_number:
        try:
            number = parse_id_number(id_number, today=at.date()).number
        except InvalidIdNumber as exc:
            # The msgids are ids.py's Chinese messages (common/locale has their English).
            raise Invalid(gettext(exc.message_zh), code="id_number") from exc
    digest = hashlib.sha256(data).hexdigest()
    res = process(data, standards_active(), derive_all=False)
    capture = PhotoCapture(
        id_number=number,
        person=_person_for(number) if number else None,
        channel=channel,
        captured_at=at,
        captured_by_id=getattr(actor, "pk", None) or None,
        outlet_id=outlet_id,
        sha256=digest,
        source_name=source_name[:200],
    )
    kept: tuple[bytes, str] | None = None
    if res.error is not None:
        capture.status = CaptureStatus.REFUSED
        capture.error_code = res.error.code
        capture.report = res.report() | {"bytes": len(data)}
    else:
        assert res.probe is not None and res.decoded is not None
        capture.status = CaptureStatus.PASSED if res.passed else CaptureStatus.FAILED
        capture.report = res.report()
        capture.width, capture.height = res.decoded.original_size
        kept = stored_original(data, res.probe)
        capture.content_type = kept[1]
    with transaction.atomic():
        capture.save()
        if kept is not None:
            ext = "jpg" if kept[1] == "image/jpeg" else "png"
            capture.original.save(f"{capture.pk}.{ext}", ContentFile(kept[0]), save=True)
        audit_record(
            action="photo.capture",
            object_type="photo_capture",
            object_id=str(capture.pk),
            at=at,
            actor=actor,
            data={"status": capture.status, "channel": channel, "error": capture.error_code, "sha256": digest},
        )
        if derive and capture.status == CaptureStatus.PASSED:
            pk = capture.pk
            transaction.on_commit(lambda: _enqueue_derive(pk))
    return capture


def photo_store(
    *,
    result: dict[str, Any],
    id_number: str,
    channel: str,
    at: dt.datetime,
    source_name: str = "",
    actor: Viewer | None = None,
    standards: Mapping[str, PhotoStandard] | None = None,
) -> PhotoCapture:
    """Store a photo already processed by ``engine.pipeline.process_for_storage`` (batch
    import): the capture, its stripped original and its verified derivatives, in one
    transaction with one audit row. ``standards`` are those the result was derived with
    (default: the active ones). Raises nothing for bad photos (they are recorded)."""
    return photo_store_batch(
        items=[(result, id_number, source_name)], channel=channel, at=at, actor=actor, standards=standards
    )[0]


def photo_store_batch(
    *,
    items: list[tuple[dict[str, Any], str, str]],
    channel: str,
    at: dt.datetime,
    actor: Viewer | None = None,
    standards: Mapping[str, PhotoStandard] | None = None,
) -> list[PhotoCapture]:
    """``photo_store`` for several photos, (result, id number, source name) each, in one
    transaction: captures and derivatives are inserted in bulk, one audit row per capture.

    A batch import writes every few dozen photos this way, so the writer process spends a few
    milliseconds per photo, not a transaction and eight single-row inserts each.
    """
    stds = standards if standards is not None else standards_active()
    captures: list[PhotoCapture] = []
    for result, id_number, source_name in items:
        number = ""
        if id_number:
            try:
                number = parse_id_number(id_number, today=at.date()).number
            except InvalidIdNumber:
                number = ""
        err = result.get("error")
        captures.append(
            PhotoCapture(
                id_number=number,
                person=_person_for(number) if number else None,
                channel=channel,
                captured_at=at,
                captured_by_id=getattr(actor, "pk", None) or None,
                sha256=result["sha256"],
                source_name=source_name[:200],
                status=(
                    CaptureStatus.REFUSED if err else CaptureStatus.PASSED if result["passed"] else CaptureStatus.FAILED
                ),
                error_code=err or "",
                report=result["report"],
                width=result["size"][0],
                height=result["size"][1],
                content_type=result.get("content_type", ""),
            )
        )
    with transaction.atomic():
        if connection.features.can_return_rows_from_bulk_insert:
            PhotoCapture.objects.bulk_create(captures)
        else:  # pragma: no cover - every backend we ship returns primary keys
            for cap in captures:
                cap.save()
        with_original: list[PhotoCapture] = []
        rows: list[PhotoDerivative] = []
        for cap, (result, _, _) in zip(captures, items, strict=True):
            if result.get("original"):
                ext = "jpg" if cap.content_type == "image/jpeg" else "png"
                cap.original.save(f"{cap.pk}.{ext}", ContentFile(result["original"]), save=False)
                with_original.append(cap)
            for code, der in result.get("derivatives", {}).items():
                if code not in stds:
                    continue
                row = PhotoDerivative(
                    capture=cap,
                    standard_code=code,
                    standard=stds[code].to_dict(),
                    bytes=len(der["data"]),
                    width=der["width"],
                    height=der["height"],
                    dpi=der["dpi"],
                    quality=der["quality"],
                    verification=der["verification"],
                    created_at=at,
                )
                row.file.save(f"{cap.pk}_{code}.jpg", ContentFile(der["data"]), save=False)
                rows.append(row)
        if with_original:
            PhotoCapture.objects.bulk_update(with_original, ["original"])
        PhotoDerivative.objects.bulk_create(rows)
        for cap, (result, _, _) in zip(captures, items, strict=True):
            audit_record(
                action="photo.import",
                object_type="photo_capture",
                object_id=str(cap.pk),
                at=at,
                actor=actor,
                data={
                    "status": cap.status,
                    "error": cap.error_code,
                    "sha256": cap.sha256,
                    "derived": sorted(result.get("derivatives", {})),
                },
            )
    return captures


def _enqueue_derive(capture_id: int) -> None:
    from tongban.photos.tasks import photo_derive_task

    photo_derive_task.enqueue(capture_id)


def photo_derive(*, capture_id: int, at: dt.datetime) -> list[PhotoDerivative]:
    """Derive and verify every active standard from the stored original; keep verified ones.

    Idempotent: standards already derived for the capture are kept as they are. Raises
    NotFound if the capture does not exist.
    """
    try:
        capture = PhotoCapture.objects.get(pk=capture_id)
    except PhotoCapture.DoesNotExist:
        raise NotFound(gettext("未找到该照片")) from None
    if capture.status != CaptureStatus.PASSED or not capture.original:
        return []
    stds = standards_active()
    done = set(capture.derivatives.values_list("standard_code", flat=True))
    todo = [c for c in stds if c not in done]
    if not todo:
        return list(capture.derivatives.all())
    with capture.original.open("rb") as fh:
        data = fh.read()
    res = process(data, stds, only=todo)
    with transaction.atomic():
        created = []
        for code, der in res.derivatives.items():
            row = PhotoDerivative(
                capture=capture,
                standard_code=code,
                standard=stds[code].to_dict(),
                bytes=len(der.data),
                width=der.width,
                height=der.height,
                dpi=der.dpi,
                quality=der.quality,
                verification=res.verifications[code].to_dict(),
                created_at=at,
            )
            row.file.save(f"{capture.pk}_{code}.jpg", ContentFile(der.data), save=False)
            row.save()
            created.append(row)
        report = dict(capture.report)
        report["refusals"] = res.refusals
        report["derived"] = sorted(set(done) | set(res.derivatives))
        capture.report = report
        capture.save(update_fields=["report"])
        audit_record(
            action="photo.derive",
            object_type="photo_capture",
            object_id=str(capture.pk),
            at=at,
            actor=None,
            data={"derived": sorted(res.derivatives), "refused": sorted(res.refusals)},
        )
    return created


def photo_review(*, capture_id: int, accept: bool, actor: Viewer, at: dt.datetime) -> PhotoCapture:
    """A clerk accepts the capture for the person, or marks it for a retake.

    Raises NotFound for an unknown capture, Forbidden for a non-clerk, Invalid when accepting a
    photo that failed the quality check.
    """
    from tongban.common.roles import Role

    if getattr(actor, "role", None) not in (Role.CLERK, Role.ADMIN):
        raise Forbidden(gettext("只有窗口受理员可以确认照片"))
    with transaction.atomic():
        capture = PhotoCapture.objects.select_for_update().filter(pk=capture_id).first()
        if capture is None:
            raise NotFound(gettext("未找到该照片"))
        if accept and capture.status != CaptureStatus.PASSED:
            raise Invalid(gettext("照片未通过质量检查，不能采用"))
        capture.review = CaptureReview.ACCEPTED if accept else CaptureReview.RETAKE
        capture.save(update_fields=["review"])
        audit_record(
            action="photo.review",
            object_type="photo_capture",
            object_id=str(capture.pk),
            at=at,
            actor=actor,
            data={"review": capture.review},
        )
    return capture


def _age_on(id_number: str, day: dt.date) -> int | None:
    try:
        birth = parse_id_number(id_number).birth_date
    except InvalidIdNumber:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def photo_latest_valid(*, id_number: str, standard: str, at: dt.datetime) -> PhotoOffer | None:
    """The person's latest verified derivative for ``standard`` that may still be reused at ``at``.

    Valid when captured within the standard's ``validity_days``; a person aged ``senior.min_age``
    or more may also reuse a photo up to ``senior.validity_days`` old if a derivative of the same
    capture was used before for one of ``senior.from_standards`` (an exit-entry or ID-card
    photo, the Changzhou 60+ rule). Photos marked for retake are never offered. Raises nothing.
    """
    from tongban.common.clock import SHANGHAI

    std = standards_active().get(standard)
    if std is None or not id_number:
        return None
    longest = max(std.validity_days, std.senior.validity_days if std.senior else 0)
    candidates = (
        PhotoDerivative.objects.filter(
            capture__id_number=id_number.strip().upper(),
            standard_code=standard,
            capture__status=CaptureStatus.PASSED,
            capture__captured_at__lte=at,
            capture__captured_at__gt=at - dt.timedelta(days=longest),
        )
        .exclude(capture__review=CaptureReview.RETAKE)
        .select_related("capture")
        .order_by("-capture__captured_at", "-id")
    )
    age = _age_on(id_number, at.astimezone(SHANGHAI).date())
    for der in candidates:
        taken = der.capture.captured_at
        if at - taken <= dt.timedelta(days=std.validity_days):
            return _offer(der)
        senior = std.senior
        if (
            senior is not None
            and age is not None
            and age >= senior.min_age
            and at - taken <= dt.timedelta(days=senior.validity_days)
            and PhotoUse.objects.filter(
                derivative__capture=der.capture, derivative__standard_code__in=senior.from_standards, used_at__lte=at
            ).exists()
        ):
            return _offer(der, senior_rule=True)
    return None


def _offer(der: PhotoDerivative, *, senior_rule: bool = False) -> PhotoOffer:
    return PhotoOffer(
        derivative_id=der.pk,
        standard=der.standard_code,
        taken_at=der.capture.captured_at,
        url=photo_offer_url(der.pk),
        senior_rule=senior_rule,
        capture_id=der.capture_id,
    )


def photo_use_record(*, derivative_id: int, case_number: str, at: dt.datetime) -> None:
    """Record that case ``case_number`` used the derivative (idempotent per case).

    Raises NotFound for an unknown derivative, Invalid for an empty case number.
    """
    if not case_number.strip():
        raise Invalid(gettext("办件编号不能为空"))
    try:
        with transaction.atomic():
            der = PhotoDerivative.objects.filter(pk=derivative_id).first()
            if der is None:
                raise NotFound(gettext("未找到该照片"))
            use, created = PhotoUse.objects.get_or_create(
                derivative=der, case_number=case_number.strip(), defaults={"used_at": at}
            )
            if created:
                audit_record(
                    action="photo.use",
                    object_type="photo_derivative",
                    object_id=str(der.pk),
                    at=at,
                    actor=None,
                    data={"case": use.case_number, "standard": der.standard_code},
                )
    except IntegrityError:  # a concurrent identical record: the use is recorded once
        log.info("photo use for case %s recorded concurrently", case_number)
