"""Storage upkeep: reconcile the object store with the database (G9), export and import it.

Every file a row points at is found from the models themselves: each ``FileField`` of every
installed model, plus the plain text columns that hold a storage name, listed in
``settings.STORAGE_REFERENCES`` (``"cases.CaseMaterial.file"``). Nothing here knows a domain module.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.db import models, transaction
from django.utils.translation import gettext

from tongban.audit.services import audit_record
from tongban.common.errors import Invalid
from tongban.storage.backends import LedgerMixin, sm3_hex
from tongban.storage.models import StoredFile

MANIFEST = "manifest.json"


@dataclass
class ReconcileReport:
    """What ``storage_reconcile`` found. ``ok`` when nothing is orphaned, dangling or altered."""

    stored: int = 0
    referenced: int = 0
    orphans: list[str] = field(default_factory=list)
    dangling: list[str] = field(default_factory=list)  # "app.Model.field#pk name"
    hash_checked: int = 0
    hash_mismatches: list[str] = field(default_factory=list)
    unhashed: int = 0  # referenced files with no ledger row (written before the ledger, or elsewhere)
    recent: int = 0  # unreferenced objects younger than the grace period: uploads still in flight
    deleted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.orphans or self.dangling or self.hash_mismatches)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _ledger_backend() -> LedgerMixin:
    backend = storages["default"]
    if not isinstance(backend, LedgerMixin):
        raise Invalid(
            gettext("默认存储不是 tongban.storage 的后端，无法核对"),
            code="storage_backend",
        )
    return backend


def _reference_columns() -> list[tuple[type[models.Model], str]]:
    columns: list[tuple[type[models.Model], str]] = []
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, models.FileField) and f.concrete:
                columns.append((model, f.attname))
    for dotted in getattr(settings, "STORAGE_REFERENCES", []):
        app_label, model_name, column = dotted.split(".")
        columns.append((apps.get_model(app_label, model_name), column))
    return columns


def storage_references() -> dict[str, str]:
    """Every storage name a row points at → where ("app.Model.field#pk")."""
    found: dict[str, str] = {}
    for model, column in _reference_columns():
        rows = model._default_manager.exclude(**{column: ""}).exclude(**{f"{column}__isnull": True})
        for pk, name in rows.values_list("pk", column).iterator(chunk_size=2000):
            found.setdefault(str(name), f"{model._meta.label}.{column}#{pk}")
    return found


def storage_reconcile(
    *, now: dt.datetime, grace: dt.timedelta = dt.timedelta(0), hashes: bool = True, delete_orphans: bool = False
) -> ReconcileReport:
    """Compare the object store with the database.

    Orphans are stored objects no row references (older than ``grace``: a younger one may belong
    to a write that has not committed yet); dangling references are rows naming an object that is
    not stored; with ``hashes`` every stored file that has a ledger row is read back and its SM3
    digest compared. ``delete_orphans`` removes the orphans found (one audit entry naming them).
    Raises Invalid when the default storage is not a tongban.storage backend, Unavailable when the
    object store cannot be reached.
    """
    backend = _ledger_backend()
    report = ReconcileReport()
    refs = storage_references()
    report.referenced = len(refs)
    stored: dict[str, tuple[int, float]] = {}
    for name, size, modified in backend.iter_objects():
        stored[name] = (size, modified)
    report.stored = len(stored)
    cutoff = (now - grace).timestamp()
    for name, (_size, modified) in sorted(stored.items()):
        if name in refs:
            continue
        if modified > cutoff:
            report.recent += 1
        else:
            report.orphans.append(name)
    report.dangling = sorted(f"{where} {name}" for name, where in refs.items() if name not in stored)
    ledger = dict(StoredFile.objects.values_list("name", "sm3"))
    report.unhashed = sum(1 for name in refs if name in stored and name not in ledger)
    if hashes:
        for name, expected in sorted(ledger.items()):
            if name not in stored:
                continue
            actual, _ = sm3_hex([backend.read_bytes(name)])
            report.hash_checked += 1
            if actual != expected:
                report.hash_mismatches.append(name)
    if delete_orphans and report.orphans:
        with transaction.atomic():
            for name in report.orphans:
                backend.delete(name)
            audit_record(
                action="storage.orphans_deleted",
                object_type="storage",
                object_id=str(len(report.orphans)),
                at=now,
                actor=None,
                data={"names": report.orphans[:500]},
            )
        report.deleted, report.orphans = report.orphans, []
    return report


def storage_export(*, directory: Path) -> int:
    """Copy every stored object into ``directory`` with a manifest of names, sizes and SM3 digests
    (a backup of the bucket to sit beside the database dump). Returns how many. Raises Unavailable."""
    backend = _ledger_backend()
    directory.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name, _size, _modified in sorted(backend.iter_objects()):
        data = backend.read_bytes(name)
        target = directory / "objects" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        digest, size = sm3_hex([data])
        manifest.append({"name": name, "size": size, "sm3": digest})
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    return len(manifest)


def storage_import(*, directory: Path) -> int:
    """Write an export back into the (empty, scratch or rebuilt) store under the same names,
    checking each file against the manifest first. Returns how many. Raises Invalid for a missing
    manifest or a file that does not match it, Unavailable."""
    backend = _ledger_backend()
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise Invalid(
            (gettext("%(directory)s 中没有 %(manifest)s") % {"directory": directory, "manifest": MANIFEST}),
            code="no_manifest",
        ) from None
    for entry in manifest:
        data = (directory / "objects" / entry["name"]).read_bytes()
        if sm3_hex([data]) != (entry["sm3"], entry["size"]):
            raise Invalid(gettext("备份文件已损坏"))
        backend.put_raw(entry["name"], data)
    return len(manifest)
