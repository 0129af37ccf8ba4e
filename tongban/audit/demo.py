"""Demo data of the audit module: a few staff reads of the demo citizen, then a signed checkpoint of
the log the other demo loaders wrote.

Runs last (``demo-setup``), so ``tongban audit verify`` in the demo pins every chain to it. A second
run signs a new checkpoint of whatever was added since: checkpoints only ever follow each other.

The demo's database and its checkpoints live side by side under ``var/``; a person who deletes the
database alone (``rm var/tongban.sqlite3``) leaves checkpoints that pin chains of a log that no
longer exists, and signing refuses, rightly: in production that is a rewritten log. In the embedded
demo only, checkpoints this log never wrote (no ``audit.checkpoint`` entry names the file with its
digest) are moved aside into a dated folder, and the demo says so; any other refusal is one line of
what to do, and the demo goes on. Production raises as ever.

The reads give the auditor's 查阅记录 something to find for the demo citizen (the first 群众 line
demo-setup prints): the window clerk looking them up at the workbench and opening their case, and
the 户政 approver opening it. Written once: a second run finds them and adds none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from tongban.audit.checkpoints import (
    CheckpointInvalid,
    CheckpointRefused,
    audit_checkpoint,
    checkpoint_names,
    checkpoint_storage,
)
from tongban.audit.models import AuditEntry
from tongban.audit.reads import READ_ACTIONS, audit_staff_read

AFRESH = "`make demo-reset` (it deletes var/) starts the demo afresh"


def _demo_reads(*, now: dt.datetime) -> int:
    from tongban.accounts.models import User
    from tongban.cases.models import Case
    from tongban.registry.selectors import demo_person_candidates

    people = demo_person_candidates(limit=1)
    clerk = User.objects.filter(username="clerk").first()
    approver = User.objects.filter(username="approver-huzheng").first()
    if not people or clerk is None or approver is None:
        return 0
    person = people[0]
    case = Case.objects.filter(person=person).order_by("submitted_at").first()
    reads: list[tuple[Any, str, str, str, dt.timedelta]] = [
        (clerk, "person", str(person.pk), "workbench", dt.timedelta(hours=3, minutes=12)),
    ]
    if case is not None:
        reads += [
            (clerk, "case", case.number, "detail", dt.timedelta(hours=3, minutes=10)),
            (approver, "case", case.number, "detail", dt.timedelta(hours=1, minutes=25)),
        ]
    written = 0
    for actor, object_type, object_id, what, ago in reads:
        mine = AuditEntry.objects.filter(actor_id=actor.pk, action=READ_ACTIONS[object_type])
        done = mine.filter(object_type=object_type, object_id=object_id).exists()
        if not done:
            audit_staff_read(
                actor=actor, object_type=object_type, object_id=object_id, at=now - ago, channel="page", what=what
            )
            written += 1
    return written


def demo_load(*, now: dt.datetime, stdout: Any) -> None:
    reads = _demo_reads(now=now)
    if reads:
        stdout.write(f"audit: {reads} staff read(s) of the demo citizen recorded")
    storage = checkpoint_storage()
    try:
        checkpoint = audit_checkpoint(at=now, storage=storage)
    except (CheckpointRefused, CheckpointInvalid) as refused:
        if settings.PRODUCTION:
            raise
        foreign = _not_written_here(storage)
        if not foreign:
            stdout.write(f"audit: no checkpoint signed ({refused}); `tongban audit verify` says where; {AFRESH}")
            return
        folder = _set_aside(storage, foreign, at=now)
        stdout.write(
            f"audit: {len(foreign)} checkpoint(s) from an earlier demo database (this one never wrote them) "
            f"moved to {folder}"
        )
        try:
            checkpoint = audit_checkpoint(at=now, storage=storage)
        except (CheckpointRefused, CheckpointInvalid) as again:
            stdout.write(f"audit: no checkpoint signed ({again}); {AFRESH}")
            return
    stdout.write(f"audit: checkpoint #{checkpoint.number} signed ({checkpoint.entries} entries)")


def _not_written_here(storage: Storage) -> list[str]:
    """The newest checkpoint files, back to the last one this database's log wrote: a checkpoint
    is written here when an ``audit.checkpoint`` entry names its file with the digest of its bytes."""
    foreign: list[str] = []
    for name in reversed(checkpoint_names(storage)):
        with storage.open(name, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        if AuditEntry.objects.filter(action="audit.checkpoint", object_id=name, data__digest=digest).exists():
            break
        foreign.append(name)
    return foreign


def _set_aside(storage: Storage, names: list[str], *, at: dt.datetime) -> str:
    """Move ``names`` into a dated folder of the checkpoint storage (where ``checkpoint_names``
    no longer lists them); where that folder is."""
    folder = f"superseded-{at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    for name in names:
        with storage.open(name, "rb") as handle:
            data = handle.read()
        storage.save(f"{folder}/{name}", ContentFile(data))
        storage.delete(name)
    try:
        return storage.path(folder)
    except NotImplementedError:  # an object store: the prefix inside the checkpoint bucket
        return folder
