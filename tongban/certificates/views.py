"""Certificate pages: public verification, my certificates, one certificate (with revocation
for approvers and administrators), the PDF download and the well-known key set."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET, require_POST

from tongban.certificates.core.templates import get_template
from tongban.certificates.core.token import find_token
from tongban.certificates.forms import RevokeForm, VerifyForm
from tongban.certificates.models import Certificate
from tongban.certificates.selectors import (
    certificate_get,
    certificate_may_revoke,
    certificate_pdf,
    certificates_for,
    public_key_set,
    verify_url,
)
from tongban.certificates.services import (
    certificate_revoke,
    certificate_staff_view_record,
    certificate_verify,
)
from tongban.common import clock
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError, NotFound
from tongban.common.masking import mask_id_number, mask_name
from tongban.common.request import viewer
from tongban.common.roles import Role


def _certificate_or_404(request: HttpRequest, number: str) -> Certificate:
    try:
        return certificate_get(user=request.user, number=number)
    except NotFound:
        raise Http404(gettext("未找到该证照")) from None


def pdf_response(user: Any, certificate: Certificate) -> HttpResponse:
    """The PDF as a download; a staff download is audited."""
    certificate_staff_view_record(certificate=certificate, actor=user, at=clock.now(), what="download")
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """Scan (the QR link opens this page with ``?t=``) or paste a token; shows the verdict."""
    form = VerifyForm(request.GET or None)
    result = None
    if form.is_valid():
        raw = form.cleaned_data["t"]
        token = find_token(raw) or raw.strip()
        result = certificate_verify(token=token, at=clock.now(), actor=viewer(request), channel="page")
    context = {"form": form, "result": result}
    if request.headers.get("HX-Request"):
        return render(request, "certificates/partials/result.html", context)
    return render(request, "certificates/verify.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The citizen's own certificates: download the PDF, share the verification link."""
    qs = certificates_for(user=request.user).filter(holder_person_id=getattr(request.user, "person_id", None))
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    rows = [
        {
            "number": c.number,
            "title_zh": get_template(c.template).title_zh,
            "title_en": get_template(c.template).title_en,
            "dog": c.template == "DOG",  # a dog licence links to its violations (tongban.dogs)
            "issued_at": c.issued_at,
            "valid_until": c.valid_until,
            "revoked": c.revoked_at is not None,
            "expired": c.valid_until <= clock.now(),
            "share_url": verify_url(c.token),
        }
        for c in page.object_list
    ]
    return render(request, "certificates/mine.html", {"page": page, "rows": rows})


@login_required
@role_required(Role.CLERK, Role.APPROVER, Role.ADMIN, Role.AUDITOR)
def staff_list(request: HttpRequest) -> HttpResponse:
    """Staff find a certificate by its number or its case number (at most 20 rows, masked)."""
    q = request.GET.get("q", "").strip()[:40]
    rows = []
    if q:
        found = certificates_for(user=request.user).filter(Q(number=q) | Q(case_number=q))[:20]
        rows = [
            {
                "number": c.number,
                "title": _title(get_template(c.template)),
                "holder": f"{mask_name(c.holder_name)} {mask_id_number(c.holder_id_number)}",
                "issued_at": c.issued_at,
                "revoked": c.revoked_at is not None,
            }
            for c in found
        ]
    return render(request, "certificates/staff_list.html", {"q": q, "rows": rows})


def _title(template: Any) -> str:
    """A template's title in the reader's language."""
    return str(template.title_en if get_language() == "en" else template.title_zh)


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """One certificate: in full for its holder; masked for staff, and the view is audited."""
    certificate = _certificate_or_404(request, number)
    staff = bool(getattr(request.user, "is_staff_role", False))
    if staff:
        certificate_staff_view_record(certificate=certificate, actor=viewer(request), at=clock.now())
    template = get_template(certificate.template)
    facts = [(spec.label_zh, spec.label_en, certificate.facts.get(spec.key, "")) for spec in template.facts]
    context = {
        "c": certificate,
        "template": template,
        "holder_name": mask_name(certificate.holder_name) if staff else certificate.holder_name,
        "holder_id": mask_id_number(certificate.holder_id_number) if staff else certificate.holder_id_number,
        "facts": facts,
        "share_url": verify_url(certificate.token),
        "can_revoke": certificate_may_revoke(user=request.user, certificate=certificate),
        "revoke_form": RevokeForm(),
    }
    return render(request, "certificates/detail.html", context)


@login_required
def pdf(request: HttpRequest, number: str) -> HttpResponse:
    """Download the PDF (the holder; staff downloads are audited)."""
    return pdf_response(request.user, _certificate_or_404(request, number))


@login_required
@require_POST
def revoke(request: HttpRequest, number: str) -> HttpResponse:
    """Revoke with a reason (approvers and administrators)."""
    _certificate_or_404(request, number)
    form = RevokeForm(request.POST)
    if getattr(request.user, "role", None) not in (Role.APPROVER, Role.ADMIN):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if form.is_valid():
        try:
            certificate_revoke(
                number=number,
                reason=form.cleaned_data["reason"],
                actor=viewer(request),
                at=clock.now(),
                note=form.cleaned_data["note"],
            )
            messages.success(request, gettext("证照已撤销"))
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, gettext("请选择撤销原因"))
    return redirect("certificates:detail", number=number)


@require_GET
def well_known_keys(request: HttpRequest) -> HttpResponse:
    """/.well-known/tongban-keys.json: the public key set for offline verifiers."""
    response = JsonResponse(public_key_set().to_json())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
