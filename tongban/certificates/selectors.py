"""Certificate reads: a citizen's own certificates, lookups under access rules, the PDF bytes,
the published key set and the signed revocation list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from tongban.certificates.core import CertificateDocument, KeySet, RevocationEntry, RevocationList
from tongban.certificates.core.render import render_pdf
from tongban.certificates.core.templates import CertificateTemplate, get_template, templates
from tongban.certificates.models import Certificate
from tongban.certificates.signing import current_signer, published_keys
from tongban.common.access import access_filter, access_get


def template_get(*, code: str) -> CertificateTemplate:
    """A certificate template (title, authority, the facts it lists). Raises UnknownTemplate."""
    return get_template(code)


def templates_list() -> list[CertificateTemplate]:
    return list(templates().values())


def certificates_for(*, user: Any) -> QuerySet[Certificate]:
    """The certificates the user may read (a citizen: their own), newest first."""
    return access_filter(user, Certificate.objects.all()).order_by("-issued_at", "-id")


def certificate_get(*, user: Any, number: str) -> Certificate:
    """One certificate the user may read. Raises NotFound."""
    return access_get(user, Certificate.objects.all(), number=number)


def certificate_tokens() -> list[tuple[str, str]]:
    """Every certificate's number and signed token, in number order (restore drills verify each)."""
    return list(Certificate.objects.order_by("number").values_list("number", "token"))


def certificate_may_revoke(*, user: Any, certificate: Certificate) -> bool:
    """Whether the user may revoke this certificate: an administrator, or an approver of its
    issuing department (the access funnel's write scope), while it is not revoked yet."""
    from tongban.common.roles import Role

    if certificate.revoked_at is not None or getattr(user, "role", None) not in (Role.APPROVER, Role.ADMIN):
        return False
    return access_filter(user, Certificate.objects.filter(pk=certificate.pk), write=True).exists()


def certificate_document(certificate: Certificate) -> CertificateDocument:
    """The full document a certificate's token signs."""
    return CertificateDocument(
        number=certificate.number,
        template=certificate.template,
        holder_name=certificate.holder_name,
        holder_id=certificate.holder_id_number,
        facts=certificate.facts,
        issued_at=certificate.issued_at,
        valid_until=certificate.valid_until,
        salt=bytes(certificate.salt),
        issuer_code=certificate.issuer_code,
        authority_zh=certificate.authority_zh,
        authority_en=certificate.authority_en,
    )


def verify_url(token: str | None = None) -> str:
    """The public verification page, absolute; with ``token`` it is the link a QR code holds."""
    base = settings.SITE_URL.rstrip("/") + reverse("certificates:verify")
    return f"{base}?t={token}" if token else base


def certificate_pdf_name(certificate: Certificate) -> str:
    """Where a certificate's PDF is stored: one name per certificate, so a render that is
    repeated (a worker killed after storing the file, a download racing the worker) writes the
    same object again instead of a second one."""
    return f"certificates/{certificate.issued_at:%Y/%m}/{certificate.number}.pdf"


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF from storage, rendered and stored first if it is not there yet.

    Rendering holds the certificate's row lock, so two renders of one certificate take turns and
    the second finds the first's file. Raises Unavailable when the object store is unreachable.
    """
    if certificate.pdf:
        try:
            with certificate.pdf.open("rb") as handle:
                return bytes(handle.read())
        except FileNotFoundError:
            pass
    storage = certificate.pdf.storage
    with transaction.atomic():
        stored = Certificate.objects.select_for_update().values_list("pdf", flat=True).get(pk=certificate.pk)
        if stored and stored != certificate.pdf.name and storage.exists(stored):  # rendered meanwhile
            certificate.pdf.name = stored
            with certificate.pdf.open("rb") as handle:
                return bytes(handle.read())
        data = render_pdf(
            certificate_document(certificate),
            token=certificate.token,
            kid=certificate.key_id,
            verify_url=verify_url(),
        )
        name = certificate_pdf_name(certificate)
        if storage.exists(name):  # stored by a render that died before recording it
            storage.delete(name)
        certificate.pdf.name = storage.save(name, ContentFile(data))
        Certificate.objects.filter(pk=certificate.pk).update(pdf=certificate.pdf.name)
    return data


def public_key_set() -> KeySet:
    return published_keys()


def revocation_list_signed(*, now: dt.datetime, valid_for: dt.timedelta = dt.timedelta(hours=24)) -> bytes:
    """The current revocation list, signed with the current key (COSE_Sign1 bytes)."""
    rows = Certificate.objects.filter(revoked_at__isnull=False).values_list("number", "revoked_at", "revoked_reason")
    entries = [RevocationEntry(number, at, reason) for number, at, reason in rows if at is not None]
    revocations = RevocationList.build(entries, issuer="tongban", now=now, valid_for=valid_for)
    return revocations.sign(current_signer(now=now))


def certificate_numbers_of(*, id_number: str) -> list[str]:
    """The numbers of every certificate held by this ID number (the auditors' 查阅记录 looks up
    staff views of them)."""
    return list(Certificate.objects.filter(holder_id_number=id_number).values_list("number", flat=True))
