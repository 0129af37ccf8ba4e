"""Signed checkpoints: written outside the database, signed with the audit key (never the
certificate key), refused for a broken log, and what `tongban audit verify` pins the chains to."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError

from tongban.audit.checkpoints import (
    CheckpointInvalid,
    CheckpointRefused,
    audit_checkpoint,
    checkpoint_latest,
    checkpoint_names,
    checkpoint_storage,
)
from tongban.audit.keys import ISSUER, AuditKeyMissing, audit_public_keys, audit_signer
from tongban.audit.models import AuditEntry
from tongban.audit.services import audit_record, audit_verify
from tongban.audit.tasks import audit_checkpoint_task
from tongban.audit.tests.tamper import TamperedCopy
from tongban.certificates.core.keys import KeyDirectory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(hours=1)


def _fill(n: int = 6, *, start: int = 0) -> None:
    for i in range(start, start + n):
        audit_record(action="case.accept", object_type="case", object_id=f"C{i}", at=T0 + dt.timedelta(minutes=i))


def _export_dir() -> Path:
    return Path(checkpoint_storage().location)  # type: ignore[attr-defined]


def test_a_checkpoint_is_a_signed_file_outside_the_database() -> None:
    _fill(6)
    checkpoint = audit_checkpoint(at=T1)
    assert (checkpoint.number, checkpoint.entries, checkpoint.previous) == (1, 6, "")
    head = AuditEntry.objects.get(chain=1, seq=6)
    assert [(p.chain, p.seq, p.hash) for p in checkpoint.chains] == [(1, 6, head.hash)]
    # A file in the checkpoint storage, readable by anyone, signed by the audit key.
    doc = json.loads((_export_dir() / "audit-checkpoint-00000001.json").read_text())
    assert doc["payload"]["chains"] == [[1, 6, head.hash]] and doc["payload"]["entries"] == 6
    assert doc["payload"]["at"] == "2026-03-10T03:00:00.000000Z" and doc["alg"] == "EdDSA"
    assert doc["kid"] == checkpoint.kid == audit_signer(now=T1).public_key().kid
    # The checkpoint itself is an audit entry naming the file and its digest.
    entry = AuditEntry.objects.get(action="audit.checkpoint")
    assert entry.data == {"number": 1, "entries": 6, "digest": checkpoint.digest}
    assert entry.object_id == "audit-checkpoint-00000001.json"


def test_checkpoints_chain_to_each_other_and_count_every_entry() -> None:
    _fill(3)
    first = audit_checkpoint(at=T1)
    _fill(2, start=3)
    second = audit_checkpoint(at=T1 + dt.timedelta(days=1))
    assert second.number == 2 and second.previous == first.digest
    # 3 entries, the first checkpoint's own entry, 2 more.
    assert second.entries == 6 == AuditEntry.objects.count() - 1
    assert checkpoint_names(checkpoint_storage()) == [
        "audit-checkpoint-00000001.json",
        "audit-checkpoint-00000002.json",
    ]
    report = audit_verify()
    assert report.ok and report.checkpoint == 2, report.problems  # type: ignore[attr-defined]


def test_the_audit_key_is_its_own_and_never_the_certificate_key(settings: Any, tmp_path: Path) -> None:
    audit_checkpoint(at=T1)
    (key,) = audit_public_keys()
    assert key.issuer == ISSUER
    assert Path(settings.AUDIT_KEYS_DIR, f"{key.kid}.pem").exists()
    assert not Path(settings.CERTIFICATE_KEYS_DIR, f"{key.kid}.pem").exists()
    # A key from a certificate key directory does not count as an audit key, even copied in.
    cert_dir = KeyDirectory(tmp_path / "cert", issuer="tongban")
    cert_dir.rotate(now=T0)
    merged = json.loads(Path(settings.AUDIT_KEYS_DIR, "keys.json").read_text())
    merged["keys"] += json.loads(cert_dir.keyset_path.read_text())["keys"]
    Path(settings.AUDIT_KEYS_DIR, "keys.json").write_text(json.dumps(merged))
    assert [k.kid for k in audit_public_keys()] == [key.kid]
    # And the two directories may not be the same one.
    settings.AUDIT_KEYS_DIR = settings.CERTIFICATE_KEYS_DIR
    with pytest.raises(Exception, match="must not be the certificate key directory"):
        audit_signer(now=T1)


def test_production_refuses_to_invent_a_key(settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(AuditKeyMissing, match="tongban audit keygen"):
        audit_checkpoint(at=T1)
    assert not list(Path(settings.AUDIT_KEYS_DIR).glob("*.pem"))
    with pytest.raises(CommandError, match="tongban audit keygen"):
        call_command("audit", "checkpoint")
    call_command("audit", "keygen")  # the operator creates it; then checkpoints are signed
    assert audit_checkpoint(at=T1).number == 1


def test_a_broken_log_is_never_signed() -> None:
    _fill(4)
    audit_checkpoint(at=T1)
    _fill(2, start=4)
    # Edited after the checkpoint, without recomputing: the next checkpoint refuses to sign it.
    copy = TamperedCopy()
    copy.edit(1, 6)
    with pytest.raises(CheckpointRefused) as refused:
        audit_checkpoint(at=T1 + dt.timedelta(days=1), tables=copy.tables)
    assert refused.value.problems == ["chain 1: entry 6 content does not match its hash: edited"]
    assert checkpoint_names(checkpoint_storage()) == ["audit-checkpoint-00000001.json"]


def test_an_altered_checkpoint_file_is_reported() -> None:
    _fill(3)
    audit_checkpoint(at=T1)
    path = _export_dir() / "audit-checkpoint-00000001.json"
    doc = json.loads(path.read_text())
    doc["payload"]["entries"] = 2
    path.write_text(json.dumps(doc))
    report = audit_verify()
    assert not report.ok
    assert report.problems == [
        "the newest signed checkpoint cannot be used: "
        "checkpoint #1: the signature does not verify: the file was altered"
    ]
    with pytest.raises(CheckpointInvalid):
        audit_checkpoint(at=T1 + dt.timedelta(days=1))


def test_a_checkpoint_missing_from_the_export_is_reported() -> None:
    _fill(3)
    audit_checkpoint(at=T1)
    audit_checkpoint(at=T1 + dt.timedelta(days=1))
    os.remove(_export_dir() / "audit-checkpoint-00000002.json")
    report = audit_verify()
    assert report.problems == [
        "the log records checkpoint #2, the newest in the export is #1: a checkpoint is missing from the export"
    ]


def test_no_checkpoint_is_a_note_in_the_demo_and_a_failure_where_required(settings: Any, capsys: Any) -> None:
    _fill(2)
    call_command("audit", "verify")
    out, err = capsys.readouterr()
    assert out == "OK: 2 entries, chain intact\n"
    assert "no signed checkpoint" in err
    settings.AUDIT_CHECKPOINT_REQUIRED = True
    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify")
    assert failed.value.returncode == 1
    assert "no signed checkpoint in the checkpoint storage" in capsys.readouterr().err


def test_verify_elsewhere_from_a_shipped_copy(tmp_path: Path, settings: Any, capsys: Any) -> None:
    _fill(3)
    call_command("audit", "checkpoint")
    assert capsys.readouterr().out.startswith("checkpoint #1: 3 entries in 1 chain(s), signed by ")
    shipped = tmp_path / "shipped"
    shutil.copytree(_export_dir(), shipped)
    keys = tmp_path / "audit-keys.json"
    shutil.copy(Path(settings.AUDIT_KEYS_DIR) / "keys.json", keys)
    shutil.rmtree(_export_dir())  # the export is gone from this machine
    call_command("audit", "verify", "--checkpoints", str(shipped), "--keys", str(keys))
    out = capsys.readouterr().out  # the command reads the clock: the date is today's
    assert re.fullmatch(r"OK: 4 entries, chain intact; matches signed checkpoint #1 of [0-9: -]+Z \(3 entries\)\n", out)
    # A wiped database is caught from the shipped copy alone.
    copy = TamperedCopy()
    copy.wipe()
    with pytest.raises(CommandError):
        call_command(
            "audit",
            "verify",
            "--checkpoints",
            str(shipped),
            "--keys",
            str(keys),
            "--entries-table",
            copy.tables.entries,
            "--heads-table",
            copy.tables.heads,
        )
    assert "the log was wiped" in capsys.readouterr().err


def test_the_scheduled_task_writes_a_checkpoint() -> None:
    _fill(2)
    result = audit_checkpoint_task.enqueue()
    assert result.return_value == {"number": 1, "entries": 2, "file": "audit-checkpoint-00000001.json"}
    assert checkpoint_latest(storage=storages["audit_checkpoints"]) is not None
