"""Certificate endpoints: public verification, key set and revocation list; a holder's own
certificates and PDFs; revocation by approvers and administrators."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Router

from tongban.certificates.core.templates import get_template
from tongban.certificates.core.token import find_token
from tongban.certificates.models import Certificate
from tongban.certificates.schemas import CertificateOut, RevokeIn, VerifyIn, VerifyOut
from tongban.certificates.selectors import (
    certificate_get,
    certificates_for,
    public_key_set,
    revocation_list_signed,
    verify_url,
)
from tongban.certificates.services import certificate_revoke, certificate_staff_view_record, certificate_verify
from tongban.certificates.views import pdf_response
from tongban.common import clock
from tongban.common.masking import mask_id_number, mask_name
from tongban.common.request import viewer

router = Router(tags=["certificates 电子证照"])


def certificate_out(certificate: Certificate, *, masked: bool) -> dict[str, Any]:
    """A certificate for its holder (unmasked) or for staff (masked)."""
    return {
        "number": certificate.number,
        "template": certificate.template,
        "title_zh": get_template(certificate.template).title_zh,
        "holder_name": mask_name(certificate.holder_name) if masked else certificate.holder_name,
        "holder_id_number": mask_id_number(certificate.holder_id_number) if masked else certificate.holder_id_number,
        "facts": certificate.facts,
        "issued_at": certificate.issued_at,
        "valid_until": certificate.valid_until,
        "key_id": certificate.key_id,
        "case_number": certificate.case_number,
        "revoked_at": certificate.revoked_at,
        "revoked_reason": certificate.revoked_reason,
        "token": certificate.token,
        "verify_url": verify_url(certificate.token),
        "pdf_url": reverse("certificates:pdf", args=[certificate.number]),
    }


# The answer is encoded by one shared encoder (the same output as JsonResponse gives).
_JSON = DjangoJSONEncoder(ensure_ascii=False)


def _session_user(request: HttpRequest) -> Any:
    """The signed-in user, or None. On these auth=None endpoints only a session can sign a
    verifier in, so a request without a session cookie is anonymous: the lazy ``request.user``
    (session, user and second-factor lookups) is then left unevaluated."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    return request.user


def _verify(request: HttpRequest, raw: str) -> HttpResponse:
    token = find_token(raw) or raw.strip()
    result = certificate_verify(token=token, at=clock.now(), actor=_session_user(request), channel="api")
    # Returned as a ready response: the public endpoint is the hot path, and re-validating our own
    # dict through the response model costs more than the Ed25519 check (the schema still documents
    # it, and the tests validate answers against it).
    return HttpResponse(_JSON.encode(VerifyOut.of(result)), content_type="application/json")


@router.post("/verify", response=VerifyOut, auth=None)
def verify_post(request: HttpRequest, body: VerifyIn) -> HttpResponse:
    """Verify a token (or a QR link): genuine, tampered, expired, revoked or unknown key,
    with the masked facts. Public."""
    return _verify(request, body.token)


_T_PARAMETER = {
    "parameters": [
        {"in": "query", "name": "t", "required": False, "schema": {"type": "string"},
         "description": "The QR token (TB1.…). Missing, over-long (> 2000) or not a token: status `malformed`"}
    ]
}  # fmt: skip


@router.get("/verify", response=VerifyOut, auth=None, openapi_extra=_T_PARAMETER)
def verify_get(request: HttpRequest) -> HttpResponse:
    """The same check with the token in the query (``?t=TB1.…``). Public.

    ``t`` is read from the query string directly (declared for OpenAPI above): this is the
    endpoint QR scanners hit, and model-validating one string costs more than it is worth."""
    return _verify(request, _query_t(request)[:2000])


# ``t=<token>`` and nothing else, in characters that need no decoding: what a QR scan sends.
_PLAIN_T = re.compile(r"t=([A-Za-z0-9._~-]*)")


def _query_t(request: HttpRequest) -> str:
    """``request.GET["t"]`` (or ""), without building the QueryDict for the usual plain query."""
    match = _PLAIN_T.fullmatch(request.META.get("QUERY_STRING", ""))
    return match.group(1) if match else request.GET.get("t", "")


@router.get("/keys.json", auth=None)
def keys(request: HttpRequest) -> HttpResponse:
    """The public key set (JWKS, OKP/Ed25519), retired keys included. Also at
    /.well-known/tongban-keys.json."""
    response = JsonResponse(public_key_set().to_json())
    response["Cache-Control"] = "public, max-age=300"
    return response


@router.get("/revocations.cose", auth=None, url_name="certificates_revocations")
def revocations(request: HttpRequest) -> HttpResponse:
    """The signed revocation list (COSE_Sign1) for offline verifiers. Public."""
    response = HttpResponse(revocation_list_signed(now=clock.now()), content_type="application/cose")
    response["Content-Disposition"] = 'attachment; filename="revocations.cose"'
    return response


@router.get("/mine", response=list[CertificateOut])
def mine(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's own certificates, newest first."""
    qs = certificates_for(user=request.user).filter(holder_person_id=getattr(request.user, "person_id", None))
    return [certificate_out(c, masked=False) for c in qs[:200]]


@router.get("/{number}", response=CertificateOut)
def detail(request: HttpRequest, number: str) -> dict[str, Any]:
    """One certificate: its holder sees it in full; staff see it masked and the view is audited."""
    certificate = certificate_get(user=request.user, number=number)
    staff = bool(getattr(request.user, "is_staff_role", False))
    if staff:
        certificate_staff_view_record(certificate=certificate, actor=viewer(request), at=clock.now())
    return certificate_out(certificate, masked=staff)


@router.get("/{number}/pdf")
def pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The PDF, for its holder (staff downloads are audited)."""
    return pdf_response(request.user, certificate_get(user=request.user, number=number))


@router.post("/{number}/revoke", response=CertificateOut)
def revoke(request: HttpRequest, number: str, body: RevokeIn) -> dict[str, Any]:
    """Revoke with a reason (approvers and administrators); verification says "revoked" at once."""
    certificate_get(user=request.user, number=number)
    certificate = certificate_revoke(
        number=number, reason=body.reason, actor=viewer(request), at=clock.now(), note=body.note
    )
    return certificate_out(certificate, masked=True)
