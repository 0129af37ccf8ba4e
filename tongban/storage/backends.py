"""Storage backends that keep a ledger of what they write and say clearly when the store is down.

``S3Storage`` (production: MinIO, Ceph, a cloud's S3) and ``FileSystemStorage`` (embedded) are
the stock backends plus two things:

- every file written gets a ``StoredFile`` row (name, size, SM3 digest) in the caller's
  transaction, so ``tongban storage reconcile`` can check each stored file against its digest and
  tell orphans (objects no row references) from dangling references (rows whose object is gone);
- an object store that cannot be reached raises ``Unavailable`` (503, "try again") instead of a
  botocore exception that would end as a 500 page: views that already show a ``DomainError``
  to the person show this one too, and the write's transaction rolls back with nothing stored.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage as DjangoFileSystemStorage
from django.utils import timezone
from django.utils.translation import gettext_lazy
from storages.backends.s3 import S3Storage as BotoS3Storage
from storages.utils import clean_name

from tongban.common.errors import Unavailable

T = TypeVar("T")
CHUNK = 1024 * 1024

UNAVAILABLE = gettext_lazy("文件存储暂时无法访问，请稍后再试")


def sm3_hex(chunks: Iterator[bytes] | list[bytes]) -> tuple[str, int]:
    """The SM3 digest (hex) and total size of a byte stream (GB/T 32905)."""
    digest = hashlib.new("sm3")
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _content_chunks(content: File[Any]) -> Iterator[bytes]:
    if hasattr(content, "seek"):
        content.seek(0)
    for chunk in content.chunks(CHUNK) if hasattr(content, "chunks") else iter(lambda: content.read(CHUNK), b""):
        yield chunk.encode() if isinstance(chunk, str) else chunk
    if hasattr(content, "seek"):
        content.seek(0)


def _ledger_write(name: str, sm3: str, size: int) -> None:
    from tongban.storage.models import StoredFile

    StoredFile.objects.update_or_create(name=name, defaults={"sm3": sm3, "size": size, "stored_at": timezone.now()})


def _ledger_forget(name: str) -> None:
    from tongban.storage.models import StoredFile

    StoredFile.objects.filter(name=name).delete()


class LedgerMixin(abc.ABC):
    """Record each saved file's digest in the ledger; forget it when the file is deleted. Each
    backend implements the three raw operations below (reconcile, export and import use them)."""

    def _save(self, name: str, content: File[Any]) -> str:
        sm3, size = sm3_hex(_content_chunks(content))
        saved: str = super()._save(name, content)  # type: ignore[misc]
        _ledger_write(saved, sm3, size)
        return saved

    def delete(self, name: str) -> None:
        super().delete(name)  # type: ignore[misc]
        _ledger_forget(name)

    @abc.abstractmethod
    def read_bytes(self, name: str) -> bytes:
        """The whole stored file."""

    @abc.abstractmethod
    def put_raw(self, name: str, data: bytes) -> None:
        """Write ``data`` under exactly ``name`` without touching the ledger (restore of a backup
        whose database already holds the ledger rows)."""

    @abc.abstractmethod
    def iter_objects(self) -> Iterator[tuple[str, int, float]]:
        """Every stored object: (name, size, modified as a UNIX time)."""


def _unreachable(exc: BaseException) -> bool:
    """A connection-level failure or a server-side 5xx of the object store (not a 404 or 403)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return int(status or 0) >= 500
    return isinstance(exc, BotoCoreError | ConnectionError | TimeoutError)


def _guarded(call: Callable[[], T]) -> T:
    try:
        return call()
    except Exception as exc:
        if _unreachable(exc):
            raise Unavailable(UNAVAILABLE, code="storage_unavailable") from exc
        raise


class S3Storage(LedgerMixin, BotoS3Storage):
    """django-storages' S3 backend with the ledger and ``Unavailable`` on an unreachable store."""

    def _save(self, name: str, content: File[Any]) -> str:
        return _guarded(lambda: super(S3Storage, self)._save(name, content))

    def _open(self, name: str, mode: str = "rb") -> Any:
        return _guarded(lambda: super(S3Storage, self)._open(name, mode))

    def exists(self, name: str) -> bool:
        return _guarded(lambda: super(S3Storage, self).exists(name))

    def delete(self, name: str) -> None:
        _guarded(lambda: super(S3Storage, self).delete(name))

    def size(self, name: str) -> int:
        return _guarded(lambda: super(S3Storage, self).size(name))

    def read_bytes(self, name: str) -> bytes:
        """The whole object (reconcile and backups)."""

        def read() -> bytes:
            body = self.bucket.Object(self._normalize_name(clean_name(name))).get()["Body"]
            return bytes(body.read())

        return _guarded(read)

    def put_raw(self, name: str, data: bytes) -> None:
        key = self._normalize_name(clean_name(name))
        _guarded(lambda: self.bucket.Object(key).put(Body=data))

    def iter_objects(self) -> Iterator[tuple[str, int, float]]:
        prefix = self._normalize_name("") if self.location else ""
        cut = len(prefix)

        def listing() -> list[tuple[str, int, float]]:
            found = self.bucket.objects.filter(Prefix=prefix)
            return [(o.key[cut:], int(o.size), o.last_modified.timestamp()) for o in found]

        yield from _guarded(listing)


class FileSystemStorage(LedgerMixin, DjangoFileSystemStorage):
    """Django's local-files backend with the ledger (the embedded mode)."""

    def read_bytes(self, name: str) -> bytes:
        return Path(self.path(name)).read_bytes()

    def put_raw(self, name: str, data: bytes) -> None:
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def iter_objects(self) -> Iterator[tuple[str, int, float]]:
        root = Path(self.location)
        if not root.is_dir():
            return
        for folder, _dirs, files in os.walk(root):
            for file in files:
                path = Path(folder) / file
                with contextlib.suppress(FileNotFoundError):
                    st = path.stat()
                    yield path.relative_to(root).as_posix(), st.st_size, st.st_mtime
