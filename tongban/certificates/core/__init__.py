"""The certificate engine without Django: everything an offline verifier needs lives here."""

from tongban.certificates.core.documents import CertificateDocument, Claims, facts_digest
from tongban.certificates.core.keys import (
    KeyDirectory,
    KeySet,
    PublicKey,
    Signer,
    SoftwareSigner,
    UnknownKey,
)
from tongban.certificates.core.revocation import RevocationEntry, RevocationList
from tongban.certificates.core.templates import CertificateTemplate, FactSpec, get_template, templates
from tongban.certificates.core.token import issue_token
from tongban.certificates.core.verify import Status, Verification, verify

__all__ = [
    "CertificateDocument",
    "CertificateTemplate",
    "Claims",
    "FactSpec",
    "KeyDirectory",
    "KeySet",
    "PublicKey",
    "RevocationEntry",
    "RevocationList",
    "Signer",
    "SoftwareSigner",
    "Status",
    "UnknownKey",
    "Verification",
    "facts_digest",
    "get_template",
    "issue_token",
    "templates",
    "verify",
]
