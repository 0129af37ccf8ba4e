"""The audit checkpoint signing key: the certificates' Ed25519 key machinery, its own key.

Checkpoints are signed with a key kept apart from the certificate keys: its own directory
(``settings.AUDIT_KEYS_DIR``, ``TONGBAN_AUDIT_KEYS_DIR``, default ``var/audit-keys``), its own key
id, and the issuer ``tongban-audit`` in its published ``keys.json``, so a certificate key can never
sign a checkpoint nor the other way round. As for certificates, the embedded demo creates the first
key on first use and production refuses to invent one (``tongban audit keygen --dir ...``, then
mount the directory from a secret). ``settings.AUDIT_SIGNER`` may name a factory returning a
hardware signer; its public key must then be listed in ``keys.json``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from tongban.certificates.core.keys import KeyDirectory, KeySet, Signer, UnknownKey

ISSUER = "tongban-audit"


class AuditKeyMissing(RuntimeError):
    """No audit signing key where production expects one (production never invents a key)."""


def audit_key_directory(path: Path | str | None = None) -> KeyDirectory:
    """The audit key directory (``settings.AUDIT_KEYS_DIR`` unless ``path`` is given).

    Raises ImproperlyConfigured when it is the certificate key directory: the two keys must differ.
    """
    where = Path(path if path is not None else settings.AUDIT_KEYS_DIR).resolve()
    if where == Path(settings.CERTIFICATE_KEYS_DIR).resolve():
        raise ImproperlyConfigured(
            "TONGBAN_AUDIT_KEYS_DIR must not be the certificate key directory: checkpoints have their own key"
        )
    return KeyDirectory(where, issuer=ISSUER)


def audit_signer(*, now: dt.datetime) -> Signer:
    """The signer for new checkpoints.

    Raises AuditKeyMissing in production when the directory holds no usable key.
    """
    factory = getattr(settings, "AUDIT_SIGNER", "")
    if factory:
        signer: Signer = import_string(factory)()
        return signer
    directory = audit_key_directory()
    if getattr(settings, "PRODUCTION", False):
        try:
            return directory.signer()
        except UnknownKey:
            raise AuditKeyMissing(
                f"no audit signing key in {directory.path}: create one with "
                f"`tongban audit keygen --dir {directory.path}` and mount it as a secret"
            ) from None
    return directory.ensure(now=now)


def audit_public_keys(path: Path | str | None = None) -> KeySet:
    """The published audit verification keys, retired ones included: those of ``keys.json`` in the
    audit key directory, or of ``path`` (a copy of that ``keys.json``, or a directory of key sets,
    for verifying elsewhere). Only keys published with the issuer ``tongban-audit`` count: a
    certificate key copied in by mistake cannot vouch for a checkpoint. Raises KeyMaterialError."""
    keys = audit_key_directory().key_set() if path is None else KeySet.load(path)
    return KeySet(k for k in keys if k.issuer == ISSUER)
