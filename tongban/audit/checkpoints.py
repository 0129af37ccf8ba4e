"""Signed checkpoints of the audit log, kept outside the database.

A checkpoint is every chain's head at one instant (chain, last sequence number, that entry's hash)
and the number of entries, signed with the audit key (``tongban.audit.keys``) and written as one
small JSON file to the checkpoint storage (``settings.STORAGES["audit_checkpoints"]``: a directory,
or an object-store bucket an operator ships elsewhere). A database writer cannot make a new one
without the key, nor change an old one: ``tongban audit verify`` pins each chain to the newest.

File ``audit-checkpoint-00000042.json``::

    {"alg": "EdDSA", "kid": "<key id>", "signature": "<base64url Ed25519>",
     "payload": {"format": "tongban-audit-checkpoint/1", "number": 42, "at": "2026-03-10T02:00:00Z",
                 "chains": [[1, 5120, "<sha256 hex>"], ...], "entries": 40960,
                 "previous": "<sha256 hex of checkpoint 41's file>"}}

The signature covers ``tongban-audit-checkpoint`` + newline + the canonical JSON (sorted keys, no
spaces) of ``{"kid": ..., "payload": ...}``. Before signing, the chains are recomputed from the
previous checkpoint on: a log that no longer verifies is never signed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from tongban.audit.keys import audit_public_keys, audit_signer
from tongban.audit.services import audit_record
from tongban.audit.verify import LIVE, AuditTables, Pin, entry_at, walk_chain
from tongban.certificates.core.encoding import EncodingError, b64url, b64url_decode
from tongban.certificates.core.keys import KeyMaterialError, KeySet, UnknownKey

FORMAT = "tongban-audit-checkpoint/1"
DOMAIN = b"tongban-audit-checkpoint\n"
_FILE = re.compile(r"^audit-checkpoint-(\d{8})\.json$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class CheckpointInvalid(ValueError):
    """A checkpoint file that is malformed, or whose signature does not verify."""


class CheckpointRefused(RuntimeError):
    """The log does not verify, so no checkpoint was signed; ``problems`` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Checkpoint:
    """One signed snapshot of every chain's head."""

    number: int
    at: dt.datetime
    chains: tuple[Pin, ...]
    entries: int
    previous: str = ""
    kid: str = ""
    name: str = ""
    digest: str = ""  # sha256 of the file's bytes: the next checkpoint's ``previous``

    def payload(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "number": self.number,
            "at": self.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "chains": [[p.chain, p.seq, p.hash] for p in self.chains],
            "entries": self.entries,
            "previous": self.previous,
        }


def file_name(number: int) -> str:
    return f"audit-checkpoint-{number:08d}.json"


def _signed_bytes(kid: str, payload: dict[str, Any]) -> bytes:
    body = json.dumps({"kid": kid, "payload": payload}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return DOMAIN + body.encode("utf-8")


def checkpoint_storage(location: str | Path | None = None) -> Storage:
    """Where checkpoints go: the configured storage, or a local directory (``location``) holding a
    shipped copy of them."""
    if location is not None:
        return FileSystemStorage(location=str(location))
    return storages[settings.AUDIT_CHECKPOINT_STORAGE]


def checkpoint_names(storage: Storage) -> list[str]:
    """The checkpoint files in ``storage``, oldest first."""
    try:
        _, files = storage.listdir("")
    except FileNotFoundError:
        return []
    return sorted(f for f in files if _FILE.match(f))


def _parse_payload(payload: Any) -> tuple[int, dt.datetime, tuple[Pin, ...], int, str]:
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointInvalid(f"not a {FORMAT} payload")
    number, at, chains, entries, previous = (payload.get(k) for k in ("number", "at", "chains", "entries", "previous"))
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise CheckpointInvalid("number must be a positive integer")
    if not isinstance(entries, int) or isinstance(entries, bool) or entries < 0:
        raise CheckpointInvalid("entries must be a non-negative integer")
    if not isinstance(previous, str) or (previous and not _HEX64.match(previous)):
        raise CheckpointInvalid("previous must be a SHA-256 hex digest or empty")
    try:
        when = dt.datetime.strptime(str(at), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise CheckpointInvalid(f"at {at!r} is not a UTC timestamp") from None
    pins = []
    for item in chains if isinstance(chains, list) else [None]:
        if not (isinstance(item, list) and len(item) == 3 and all(isinstance(v, int) for v in item[:2])):
            raise CheckpointInvalid("chains must be [chain, seq, hash] triples")
        if not (isinstance(item[2], str) and _HEX64.match(item[2])) or item[0] < 1 or item[1] < 1:
            raise CheckpointInvalid("chains must be [chain, seq, hash] triples")
        pins.append(Pin(chain=item[0], seq=item[1], hash=item[2]))
    if len({p.chain for p in pins}) != len(pins):
        raise CheckpointInvalid("a chain is listed twice")
    return number, when, tuple(pins), entries, previous


def checkpoint_parse(data: bytes, *, keys: KeySet, name: str = "") -> Checkpoint:
    """A checkpoint file's content, after checking its signature against ``keys``.

    Raises CheckpointInvalid: malformed, unknown key, key retired before the checkpoint's time,
    or a signature that does not verify (the file was altered or signed by another key).
    """
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise CheckpointInvalid(f"{name or 'checkpoint'} is not JSON") from None
    if not isinstance(doc, dict) or doc.get("alg") != "EdDSA" or not isinstance(doc.get("kid"), str):
        raise CheckpointInvalid(f"{name or 'checkpoint'} is not a signed checkpoint")
    number, at, pins, entries, previous = _parse_payload(doc.get("payload"))
    try:
        kid = b64url_decode(doc["kid"])
        signature = b64url_decode(str(doc.get("signature", "")))
        key = keys.get(kid)
    except EncodingError:
        raise CheckpointInvalid(f"checkpoint #{number}: key id or signature is not base64url") from None
    except UnknownKey:
        raise CheckpointInvalid(
            f"checkpoint #{number}: signed by key {doc['kid']}, not a published audit key"
        ) from None
    if not key.verify(signature, _signed_bytes(doc["kid"], doc["payload"])):
        raise CheckpointInvalid(f"checkpoint #{number}: the signature does not verify: the file was altered")
    if key.retired_at is not None and at > key.retired_at:
        raise CheckpointInvalid(f"checkpoint #{number}: signed after its key was retired")
    return Checkpoint(
        number=number,
        at=at,
        chains=pins,
        entries=entries,
        previous=previous,
        kid=doc["kid"],
        name=name,
        digest=hashlib.sha256(data).hexdigest(),
    )


def checkpoint_latest(*, storage: Storage, keys: KeySet | None = None) -> Checkpoint | None:
    """The newest checkpoint in ``storage``, verified; None when there is none.

    Raises CheckpointInvalid when the newest file does not verify (or its name and number differ),
    and KeyMaterialError for an unreadable key set.
    """
    names = checkpoint_names(storage)
    if not names:
        return None
    name = names[-1]
    with storage.open(name, "rb") as handle:
        data = handle.read()
    checkpoint = checkpoint_parse(data, keys=keys if keys is not None else audit_public_keys(), name=name)
    if file_name(checkpoint.number) != name:
        raise CheckpointInvalid(f"{name} holds checkpoint #{checkpoint.number}: the file was renamed")
    return checkpoint


def checkpoint_locate(*, storage: Storage, keys: KeySet, tables: AuditTables, chain: int) -> str | None:
    """Where a rewrite of ``chain`` lies, between the last checkpoint that still matches the log and
    the first that does not (a rewrite with recomputed hashes breaks every later checkpoint and no
    earlier one, so a binary search over the checkpoints finds it). None when it cannot be told."""

    def pin(index: int) -> tuple[Checkpoint, Pin | None]:
        with storage.open(names[index], "rb") as handle:
            checkpoint = checkpoint_parse(handle.read(), keys=keys, name=names[index])
        return checkpoint, next((p for p in checkpoint.chains if p.chain == chain), None)

    def intact(p: Pin | None) -> bool:
        entry = entry_at(tables, chain, p.seq) if p is not None else None
        return p is None or (entry is not None and entry.hash == p.hash)

    names = checkpoint_names(storage)
    try:
        low, high = 0, len(names) - 1
        bad, bad_pin = pin(high)
        if bad_pin is None or intact(bad_pin):
            return None
        while low < high:  # checkpoint `high` no longer matches; find the first that does not
            middle = (low + high) // 2
            checkpoint, p = pin(middle)
            if intact(p):
                low = middle + 1
            else:
                high, bad, bad_pin = middle, checkpoint, p
        good, good_pin = pin(high - 1) if high > 0 else (None, None)
    except (CheckpointInvalid, OSError):
        return None
    assert bad_pin is not None  # a checkpoint without the chain counts as intact
    where = f"entry {bad_pin.seq} (checkpoint #{bad.number} of {bad.at:%Y-%m-%d %H:%M}Z)"
    if good is None or good_pin is None:
        return f"chain {chain}: the rewrite lies at or before {where}, the first checkpoint of this chain"
    return (
        f"chain {chain}: the rewrite lies after entry {good_pin.seq}, intact as signed in checkpoint "
        f"#{good.number} of {good.at:%Y-%m-%d %H:%M}Z, and at or before {where}"
    )


def _snapshot(tables: AuditTables) -> list[tuple[int, int, str, int]]:
    """(chain, seq, hash, entries up to seq) of every non-empty chain, in one statement, so one
    instant on PostgreSQL (a statement sees one snapshot)."""
    entry, head = tables.models()
    upto = (
        entry.objects.filter(chain=OuterRef("id"), seq__lte=OuterRef("seq"))
        .order_by()
        .values("chain")
        .annotate(n=Count("*"))
        .values("n")
    )
    rows = (
        head.objects.filter(seq__gt=0)
        .annotate(n=Coalesce(Subquery(upto), 0))
        .order_by("id")
        .values_list("id", "seq", "hash", "n")
    )
    return [(int(c), int(s), str(h), int(n)) for c, s, h, n in rows]


def _check_since(
    tables: AuditTables, previous: Checkpoint | None, snapshot: list[tuple[int, int, str, int]]
) -> list[str]:
    """Recompute every chain from the previous checkpoint (genesis for the first) up to the snapshot."""
    problems: list[str] = []
    before = {p.chain: p for p in previous.chains} if previous is not None else {}
    label = f"checkpoint #{previous.number}" if previous is not None else ""
    for chain, seq, head_hash, count in snapshot:
        start = before.pop(chain, None)
        if start is not None and seq < start.seq:
            problems.append(f"chain {chain}: the head is at {seq}, {label} recorded {start.seq}: the head moved back")
            continue
        if count != seq:
            problems.append(f"chain {chain}: {count} entries up to the head at {seq}: deleted or inserted")
        walk = walk_chain(tables, chain, problems=problems, start=start, upto=seq, checkpoint_label=label)
        if (walk.last_seq, walk.last_hash) != (seq, head_hash):
            problems.append(f"chain {chain}: the head ({seq}, {head_hash[:12]}) does not end its entries")
    problems += [f"chain {c}: {label} recorded {p.seq} entries, the log has none: wiped" for c, p in before.items()]
    return problems


def audit_checkpoint(*, at: dt.datetime, storage: Storage | None = None, tables: AuditTables = LIVE) -> Checkpoint:
    """Sign every chain's head and write the checkpoint to the checkpoint storage; then record an
    ``audit.checkpoint`` entry naming it.

    Raises CheckpointRefused (the log does not verify from the previous checkpoint on: nothing is
    signed), CheckpointInvalid (the previous checkpoint does not verify, or another run wrote the
    same number meanwhile), AuditKeyMissing (production without a key), KeyMaterialError.
    ``tables``: the log to sign (the live one; tests pass a tampered copy).
    """
    storage = storage if storage is not None else checkpoint_storage()
    signer = audit_signer(now=at)
    keys = audit_public_keys()
    if not any(k.kid_bytes == signer.kid_bytes for k in keys):
        raise KeyMaterialError("the audit signing key is not in the published audit keys.json")
    previous = checkpoint_latest(storage=storage, keys=keys)
    snapshot = _snapshot(tables)
    problems = _check_since(tables, previous, snapshot)
    if problems:
        raise CheckpointRefused(problems)
    kid = b64url(signer.kid_bytes)
    draft = Checkpoint(
        number=(previous.number + 1) if previous is not None else 1,
        at=at,
        chains=tuple(Pin(chain=c, seq=s, hash=h) for c, s, h, _ in snapshot),
        entries=sum(n for *_, n in snapshot),
        previous=previous.digest if previous is not None else "",
    )
    payload = draft.payload()
    doc = {
        "alg": "EdDSA",
        "kid": kid,
        "payload": payload,
        "signature": b64url(signer.sign(_signed_bytes(kid, payload))),
    }
    data = (json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    name = file_name(draft.number)
    saved = None if storage.exists(name) else storage.save(name, ContentFile(data))
    if saved != name:
        if saved is not None:
            storage.delete(saved)
        raise CheckpointInvalid(f"{name} was written by another run meanwhile; run the checkpoint again")
    checkpoint = checkpoint_parse(data, keys=keys, name=name)
    with transaction.atomic():
        audit_record(
            action="audit.checkpoint",
            object_type="audit",
            object_id=name,
            at=at,
            data={"number": checkpoint.number, "entries": checkpoint.entries, "digest": checkpoint.digest},
        )
    return checkpoint
