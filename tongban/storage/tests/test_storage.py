"""The stored-file ledger, reconciliation (orphans, dangling references, SM3 digests), export and
import, and a clear 503 when the object store cannot be reached."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from tongban.common.errors import Unavailable
from tongban.storage.backends import S3Storage
from tongban.storage.models import StoredFile
from tongban.storage.services import storage_export, storage_import, storage_reconcile

pytestmark = pytest.mark.django_db
LATER = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)  # every object is older than any grace period then


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tongban.storage.backends.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    return media


def _material(personas: Any, now: dt.datetime, name: str) -> Any:
    """A case material row pointing at ``name`` (a text column listed in STORAGE_REFERENCES)."""
    from tongban.cases.models import Case, CaseMaterial

    person = personas.citizen.person
    case = Case.objects.create(
        number=f"T-{name[-12:]}",
        item_code="no_criminal_record",
        item_version=1,
        item_name="无犯罪记录证明",
        department="zhian",
        status="submitted",
        channel="online",
        person=person,
        applicant_id_number=person.id_number,
        applicant_name=person.name,
        submitted_at=now,
        updated_at=now,
        limit_value=5,
        limit_unit="working_days",
    )
    return CaseMaterial.objects.create(case=case, code="proof", name_zh="证明", file=name, updated_at=now)


def test_a_saved_file_gets_its_sm3_digest_in_the_ledger() -> None:
    name = default_storage.save("cases/uploads/1/t/proof.pdf", ContentFile(b"%PDF-1.7 proof"))
    row = StoredFile.objects.get(name=name)
    assert row.sm3 == hashlib.new("sm3", b"%PDF-1.7 proof").hexdigest()
    assert row.size == len(b"%PDF-1.7 proof")
    default_storage.delete(name)
    assert not StoredFile.objects.filter(name=name).exists()


def test_a_rolled_back_write_leaves_no_ledger_row() -> None:
    def write_then_fail() -> None:
        with transaction.atomic():
            default_storage.save("photos/originals/x.jpg", ContentFile(b"jpeg"))
            raise RuntimeError("the referencing row failed")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert StoredFile.objects.count() == 0


def test_reconcile_is_clean_when_every_file_is_referenced(personas: Any, now: dt.datetime) -> None:
    name = default_storage.save("cases/uploads/1/t/proof.pdf", ContentFile(b"proof"))
    _material(personas, now, name)
    report = storage_reconcile(now=LATER)
    assert report.ok
    assert (report.stored, report.referenced, report.hash_checked) == (1, 1, 1)
    assert (report.orphans, report.dangling, report.hash_mismatches) == ([], [], [])


def test_reconcile_reports_orphans_dangling_references_and_altered_files(
    personas: Any, now: dt.datetime, media: Path
) -> None:
    kept = default_storage.save("cases/uploads/1/t/kept.pdf", ContentFile(b"kept"))
    _material(personas, now, kept)
    orphan = default_storage.save("cases/uploads/1/t/orphan.pdf", ContentFile(b"nobody refers to me"))
    gone = _material(personas, now, "cases/uploads/1/t/gone.pdf")
    (media / kept).write_bytes(b"altered after it was stored")

    report = storage_reconcile(now=LATER)
    assert not report.ok
    assert report.orphans == [orphan]
    assert report.dangling == [f"cases.CaseMaterial.file#{gone.pk} cases/uploads/1/t/gone.pdf"]
    assert report.hash_mismatches == [kept]

    # a younger unreferenced object may belong to a write still in flight: not an orphan yet
    young = storage_reconcile(now=now, grace=dt.timedelta(days=365 * 200))
    assert young.orphans == [] and young.recent == 1


def test_reconcile_deletes_orphans_when_asked_and_audits_it(personas: Any, now: dt.datetime) -> None:
    from tongban.audit.models import AuditEntry

    orphan = default_storage.save("photos/derived/2026/03/1_id_card.jpg", ContentFile(b"left by a killed worker"))
    report = storage_reconcile(now=LATER, delete_orphans=True)
    assert report.deleted == [orphan] and report.ok
    assert not default_storage.exists(orphan)
    entry = AuditEntry.objects.get(action="storage.orphans_deleted")
    assert entry.data == {"names": [orphan]}


def test_the_command_exits_non_zero_when_storage_and_database_disagree(capsys: Any) -> None:
    default_storage.save("cases/uploads/1/t/orphan.pdf", ContentFile(b"x"))
    with pytest.raises(CommandError):
        call_command("storage", "reconcile", "--grace", "0", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["orphans"] == ["cases/uploads/1/t/orphan.pdf"] and out["ok"] is False


def test_export_and_import_restore_every_object_under_its_name(
    tmp_path: Path, settings: Any, personas: Any, now: dt.datetime
) -> None:
    names = [default_storage.save(f"certificates/2026/03/NCR-{i}.pdf", ContentFile(b"pdf %d" % i)) for i in range(3)]
    for name in names:
        _material(personas, now, name)
    assert storage_export(directory=tmp_path / "backup") == 3
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tongban.storage.backends.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "scratch")},
        },
    }
    assert storage_import(directory=tmp_path / "backup") == 3
    assert sorted(n for n, _s, _m in storages["default"].iter_objects()) == sorted(names)  # type: ignore[attr-defined]
    assert storage_reconcile(now=LATER).ok  # the ledger rows (restored with the database) match


def test_import_refuses_a_backup_file_that_does_not_match_its_manifest(tmp_path: Path) -> None:
    from tongban.common.errors import Invalid

    default_storage.save("a/b.pdf", ContentFile(b"original"))
    storage_export(directory=tmp_path / "backup")
    (tmp_path / "backup" / "objects" / "a" / "b.pdf").write_bytes(b"corrupted")
    with pytest.raises(Invalid):
        storage_import(directory=tmp_path / "backup")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_object_store_is_a_clear_503_not_a_crash() -> None:
    from botocore.config import Config

    storage = S3Storage(
        bucket_name="tongban",
        endpoint_url=f"http://127.0.0.1:{_closed_port()}",
        access_key="k",
        secret_key="s",
        region_name="us-east-1",
        client_config=Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 1, "mode": "standard"}),
    )
    with pytest.raises(Unavailable) as caught:
        storage.save("photos/originals/1.jpg", ContentFile(b"jpeg"))
    assert caught.value.status == 503
    assert "稍后再试" in caught.value.message
    assert StoredFile.objects.count() == 0


def test_the_s3_backend_lists_reads_and_writes_raw_objects(settings: Any, tmp_path: Path) -> None:
    """The S3 backend's own calls (moto's in-process S3, no network): save with the ledger, list,
    read back, write under an exact name, and reconcile over a bucket."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="tongban")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "tongban.storage.backends.S3Storage",
                "OPTIONS": {"bucket_name": "tongban", "region_name": "us-east-1", "access_key": "k", "secret_key": "s"},
            },
        }
        backend = storages["default"]
        name = backend.save("certificates/2026/03/RP-1.pdf", ContentFile(b"%PDF-1.7"))
        assert StoredFile.objects.get(name=name).sm3 == hashlib.new("sm3", b"%PDF-1.7").hexdigest()
        backend.put_raw("photos/originals/2026/03/1.jpg", b"jpeg")  # type: ignore[attr-defined]
        listed = {n: size for n, size, _m in backend.iter_objects()}  # type: ignore[attr-defined]
        assert listed == {name: 8, "photos/originals/2026/03/1.jpg": 4}
        assert backend.read_bytes("photos/originals/2026/03/1.jpg") == b"jpeg"  # type: ignore[attr-defined]
        report = storage_reconcile(now=LATER)
        assert report.orphans == sorted(listed) and report.hash_checked == 1 and report.hash_mismatches == []
        assert storage_export(directory=tmp_path / "backup") == 2
