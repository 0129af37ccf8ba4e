"""Photo library endpoints: upload a photo, read its report and derivatives, list standards.

Photos are personal data: a citizen reaches only their own captures; staff reach any (as they
do the registry). Files are streamed after the same check, never served as public media.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from tongban.audit.reads import audit_staff_read
from tongban.common.clock import now
from tongban.common.errors import Forbidden, Invalid, NotFound
from tongban.common.params import RowId
from tongban.common.request import viewer
from tongban.common.roles import Role
from tongban.photos.engine.intake import IntakeLimits
from tongban.photos.schemas import CaptureOut, OfferOut, StandardOut, UseIn
from tongban.photos.selectors import (
    capture_get,
    capture_view,
    derivative_get,
    standards_active,
)

router = Router(tags=["photos 照片库"])

MAX_BYTES = IntakeLimits().max_bytes


def read_upload(upload: Any) -> bytes:
    """The uploaded bytes, refusing more than the intake cap without reading it all."""
    if upload is None:
        raise Invalid(gettext("请选择照片文件"), code="no_file")
    if upload.size is not None and upload.size > MAX_BYTES:
        raise Invalid(
            (gettext("文件过大（上限 %(max_bytes_1_000_000)s MB）") % {"max_bytes_1_000_000": MAX_BYTES // 1_000_000}),
            code="too_large",
        )
    data: bytes = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid(
            (gettext("文件过大（上限 %(max_bytes_1_000_000)s MB）") % {"max_bytes_1_000_000": MAX_BYTES // 1_000_000}),
            code="too_large",
        )
    return data


def capture_for_request(
    request: HttpRequest, *, data: bytes, id_number: str, channel: str, source_name: str = ""
) -> Any:
    """Who may capture for whom: a citizen for themself, a clerk for anyone at their window."""
    from tongban.photos.services import photo_capture

    user: Any = request.user
    role = getattr(user, "role", None)
    if role == Role.CITIZEN:
        own = getattr(user, "id_number", "") or ""
        if id_number and id_number.strip().upper() != own:
            raise Forbidden(gettext("只能为本人上传照片"))
        id_number = own
        channel = channel if channel in ("citizen_upload", "citizen_camera") else "citizen_upload"
    elif role in (Role.CLERK, Role.ADMIN):
        if not id_number:
            raise Invalid(gettext("请填写公民身份号码"), code="id_number")
        channel = "window" if role == Role.CLERK else (channel or "api")
    else:
        raise Forbidden(gettext("无权上传照片"))
    return photo_capture(
        data=data,
        id_number=id_number,
        channel=channel,
        at=now(),
        actor=user,
        outlet_id=getattr(user, "outlet_id", None),
        source_name=source_name,
    )


@router.get("/standards", response=list[StandardOut], auth=None)
def list_standards(request: HttpRequest) -> list[dict[str, Any]]:
    """Every active photo standard with its numbers and their sources (public)."""
    out = []
    for std in standards_active().values():
        d = std.to_dict()
        out.append({**d, "backgrounds": d["backgrounds"], "kb": d["kb"]})
    return out


@router.post("/captures", response={201: CaptureOut})
def create_capture(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
    id_number: str = Form(""),
    channel: Literal["", "citizen_upload", "citizen_camera", "window", "import", "api"] = Form(""),
) -> Status:
    """Upload a photo: returns its id, the quality report and the verified derivatives.

    A refused file still answers 201 with ``status = refused`` and the reason: the attempt is
    recorded. Derivation runs as a task; in the embedded mode it has finished on return.
    """
    data = read_upload(file)
    capture = capture_for_request(request, data=data, id_number=id_number, channel=channel, source_name=file.name or "")
    fresh = capture_get(user=request.user, capture_id=capture.pk)
    return Status(201, capture_view(capture=fresh))


@router.get("/captures/{capture_id}", response=CaptureOut)
def get_capture(request: HttpRequest, capture_id: RowId) -> dict[str, Any]:
    """One capture's report and derivatives (own captures only for citizens; staff reads audited)."""
    capture = capture_get(user=request.user, capture_id=capture_id)
    audit_staff_read(actor=viewer(request), object_type="photo_capture", object_id=capture.pk, at=now(), channel="api")
    return capture_view(capture=capture)


@router.get("/captures/{capture_id}/derivatives/{standard}")
def get_derivative_for_standard(request: HttpRequest, capture_id: RowId, standard: str) -> FileResponse:
    """The derived JPEG of a capture for one standard."""
    capture = capture_get(user=request.user, capture_id=capture_id)
    der = capture.derivatives.filter(standard_code=standard).first()
    if der is None:
        raise NotFound(gettext("该标准的照片不存在"))
    audit_staff_read(
        actor=viewer(request), object_type="photo_derivative", object_id=der.pk, at=now(), channel="api", what="file"
    )
    return FileResponse(der.file.open("rb"), content_type="image/jpeg", filename=f"{standard}.jpg")


@router.get("/derivatives/{derivative_id}")
def get_derivative(request: HttpRequest, derivative_id: RowId) -> FileResponse:
    """A derived JPEG by id."""
    der = derivative_get(user=request.user, derivative_id=derivative_id)
    audit_staff_read(
        actor=viewer(request), object_type="photo_derivative", object_id=der.pk, at=now(), channel="api", what="file"
    )
    return FileResponse(der.file.open("rb"), content_type="image/jpeg", filename=f"{der.standard_code}.jpg")


@router.get("/offers/{standard}", response={200: OfferOut, 404: None})
def my_offer(request: HttpRequest, standard: str) -> Any:
    """The caller's latest photo that may be reused for ``standard`` now (citizens)."""
    from tongban.photos.services import photo_latest_valid

    id_number = getattr(request.user, "id_number", "") or ""
    offer = photo_latest_valid(id_number=id_number, standard=standard, at=now())
    if offer is None:
        raise NotFound(gettext("没有可复用的照片"))
    return offer


@router.post("/derivatives/{derivative_id}/uses", response={204: None})
def record_use(request: HttpRequest, derivative_id: RowId, body: UseIn) -> Status:
    """Staff record that a case used a derivative."""
    from tongban.photos.services import photo_use_record

    if not getattr(request.user, "is_staff_role", False):
        raise Forbidden(gettext("无权操作"))
    derivative_get(user=request.user, derivative_id=derivative_id)
    photo_use_record(derivative_id=derivative_id, case_number=body.case_number, at=now())
    return Status(204, None)
