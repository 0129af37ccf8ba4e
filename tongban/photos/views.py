"""Photo pages: the citizen's phone capture (我的照片) and the clerk's photo desk (窗口拍照).

Both post a photo (camera frame or file) and show the instant quality report; files are
streamed only after an access check.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.audit.reads import audit_staff_read
from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError, NotFound
from tongban.common.masking import mask_id_number
from tongban.common.request import viewer
from tongban.common.roles import Role
from tongban.photos.api import capture_for_request, read_upload
from tongban.photos.engine.intake import MESSAGES as INTAKE_MESSAGES
from tongban.photos.models import CaptureReview, CaptureStatus
from tongban.photos.selectors import (
    capture_get,
    capture_view,
    captures_for,
    derivative_get,
    standards_active,
)


def _overlay(capture: Any) -> dict[str, Any] | None:
    """Face box and landmarks as percentages of the original, for an SVG drawn over it."""
    rep = capture.report or {}
    w, h = rep.get("width"), rep.get("height")
    if not w or not h or not rep.get("faces"):
        return None
    faces = []
    for f in rep["faces"][:40]:
        x0, y0, x1, y1 = f["box"]
        pts = [{"x": p[0], "y": p[1]} for p in (f.get("landmarks") or {}).values()]
        faces.append({"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0, "points": pts})
    return {"w": w, "h": h, "faces": faces}


def _reasons(rep: dict[str, Any]) -> list[str]:
    """What to fix, each once, in the reader's language (the texts are the catalogue's msgids)."""
    err = rep.get("error")
    if err:
        template = INTAKE_MESSAGES.get(err.get("code", ""), (err.get("message_zh", ""), ""))[0]
        return [_(template).format(**err.get("params", {}))]
    found = rep.get("reasons")
    if found is None:  # a report written before reasons were stored: the failed hints
        found = [{"zh": c.get("hint_zh", "")} for c in rep.get("components", []) if not c.get("passed")]
    return [_(r["zh"]) for r in found if r.get("zh")]


def _context(capture: Any) -> dict[str, Any]:
    stds = standards_active()
    view = capture_view(capture=capture, standards=stds)
    rep = view["report"]
    english = get_language() == "en"
    done = {d["standard"] for d in view["derivatives"]}
    why = {**rep.get("unframable", {}), **rep.get("refusals", {})}
    missing = []
    for code, std in stds.items():
        if code in done:
            continue
        reason = why.get(code, {}).get("message_zh")
        missing.append({"name": std.name_en if english else std.name_zh, "reason": _(reason) if reason else ""})
    components = [
        {**c, "label": _(c.get("name_zh", "")), "hint": _(c.get("hint_zh", ""))} for c in rep.get("components", [])
    ]
    return {
        "cap": view,
        "overlay": _overlay(capture),
        "components": components,
        "reasons": _reasons(rep),
        "error": rep.get("error"),
        "id_card": next((d for d in view["derivatives"] if d["standard"] == "id_card"), None),
        "missing": missing if view["derivatives"] or rep.get("passed") else [],
        "has_original": bool(capture.original),
    }


@login_required
@role_required(Role.CITIZEN)
def mine(request: HttpRequest) -> HttpResponse:
    """Take a photo with the phone's front camera (oval guide) or upload one; see the report."""
    if request.method == "POST":
        try:
            data = read_upload(request.FILES.get("photo"))
            cap = capture_for_request(
                request,
                data=data,
                id_number="",
                channel=request.POST.get("channel", "citizen_upload"),
                source_name=getattr(request.FILES.get("photo"), "name", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("photos:mine")
        return redirect(f"{request.path}?capture={cap.pk}")
    ctx: dict[str, Any] = {"standards": list(standards_active().values())}
    caps = list(captures_for(user=request.user)[:10])
    chosen = request.GET.get("capture")
    current = next((c for c in caps if str(c.pk) == chosen), caps[0] if caps else None)
    if current is not None:
        ctx.update(_context(current))
        if current.status != CaptureStatus.PASSED:
            # a failed or refused photo replaces nothing: say that the last good one still serves
            ctx["kept"] = next(
                (c for c in caps if c.status == CaptureStatus.PASSED and c.review != CaptureReview.RETAKE), None
            )
    ctx["history"] = caps
    return render(request, "photos/mine.html", ctx)


DESK_PERSON = "photos_desk_id_number"  # session key: ID numbers never go into URLs


@login_required
@role_required(Role.CLERK, Role.ADMIN)
def desk(request: HttpRequest) -> HttpResponse:
    """The clerk's photo desk: look a person up, capture or upload for them, check, accept or
    retake, and see which photos this person can reuse for each standard now.

    The ID number travels in POST bodies and the session only, never in a URL.
    """
    from tongban.photos.services import photo_latest_valid

    if request.method == "POST":
        id_number = (request.POST.get("id_number") or request.session.get(DESK_PERSON, "")).strip().upper()
        request.session[DESK_PERSON] = id_number
        if "photo" not in request.FILES:  # a lookup
            return redirect("photos:desk")
        try:
            data = read_upload(request.FILES.get("photo"))
            cap = capture_for_request(
                request,
                data=data,
                id_number=id_number,
                channel="window",
                source_name=getattr(request.FILES.get("photo"), "name", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("photos:desk")
        return redirect(f"{reverse('photos:desk')}?capture={cap.pk}")
    id_number = request.session.get(DESK_PERSON, "")
    ctx: dict[str, Any] = {"id_number": id_number, "masked": mask_id_number(id_number) if id_number else ""}
    if id_number:
        caps = list(captures_for(user=request.user, id_number=id_number)[:10])
        chosen = request.GET.get("capture")
        current = next((c for c in caps if str(c.pk) == chosen), caps[0] if caps else None)
        if current is not None:
            audit_staff_read(
                actor=viewer(request),
                object_type="photo_capture",
                object_id=current.pk,
                at=now(),
                channel="page",
                what="desk",
            )
            ctx.update(_context(current))
        ctx["history"] = caps
        at = now()
        ctx["offers"] = [
            {"standard": s, "offer": photo_latest_valid(id_number=id_number, standard=code, at=at)}
            for code, s in standards_active().items()
        ]
    return render(request, "photos/desk.html", ctx)


@require_POST
@login_required
@role_required(Role.CLERK, Role.ADMIN)
def review(request: HttpRequest, capture_id: int) -> HttpResponse:
    """Accept the capture for the person, or ask for a retake."""
    from tongban.photos.services import photo_review

    try:
        cap = capture_get(user=request.user, capture_id=capture_id)
    except NotFound:
        raise Http404 from None
    try:
        photo_review(
            capture_id=cap.pk, accept=request.POST.get("decision") == "accept", actor=viewer(request), at=now()
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已记录确认结果。"))
    request.session[DESK_PERSON] = cap.id_number
    return redirect(f"{reverse('photos:desk')}?capture={cap.pk}")


@require_POST
@login_required
@role_required(Role.CLERK, Role.ADMIN)
def use(request: HttpRequest, derivative_id: int) -> HttpResponse:
    """Use a library photo for a case (一照通用): records which case used which photo."""
    from tongban.photos.services import photo_use_record

    try:
        der = derivative_get(user=request.user, derivative_id=derivative_id)
    except NotFound:
        raise Http404 from None
    try:
        photo_use_record(derivative_id=der.pk, case_number=request.POST.get("case_number", ""), at=now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已为办件复用照片，无需重新拍照。"))
    request.session[DESK_PERSON] = der.capture.id_number
    return redirect("photos:desk")


@login_required
def original_file(request: HttpRequest, capture_id: int) -> FileResponse:
    """The stripped original of a capture (own, or staff)."""
    try:
        cap = capture_get(user=request.user, capture_id=capture_id)
    except NotFound:
        raise Http404 from None
    if not cap.original:
        raise Http404
    audit_staff_read(
        actor=viewer(request), object_type="photo_capture", object_id=cap.pk, at=now(), channel="page", what="original"
    )
    return FileResponse(cap.original.open("rb"), content_type=cap.content_type or "image/jpeg")


@login_required
def derivative_file(request: HttpRequest, derivative_id: int) -> FileResponse:
    """A derived document photo (own, or staff)."""
    try:
        der = derivative_get(user=request.user, derivative_id=derivative_id)
    except NotFound:
        raise Http404 from None
    audit_staff_read(
        actor=viewer(request), object_type="photo_derivative", object_id=der.pk, at=now(), channel="page", what="file"
    )
    return FileResponse(der.file.open("rb"), content_type="image/jpeg", filename=f"{der.standard_code}.jpg")
