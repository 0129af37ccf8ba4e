"""Material uploads on the case pages: checked before anything is written to storage.

Issue 16 finding 7: a material upload was saved to storage before the access check, so a request
for someone else's case, or a case that does not exist, left a file behind (answered 404), and
nothing capped how much one account could store. Now:

- the case and material are checked (the same rules as ``case_material_provide``) before the
  file is saved; a refusal after saving (a race) deletes the file again;
- each account may store at most ``UPLOAD_DAILY_FILES`` files and ``UPLOAD_DAILY_BYTES`` bytes
  per (Shanghai) day, counted in the cache (Redis in production), checked before saving.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from tongban.cases.machine import TERMINAL
from tongban.cases.models import CaseMaterial, MaterialState
from tongban.cases.selectors import case_get
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Conflict, DomainError, NotFound, TooMany

UPLOAD_TYPES = {".pdf", ".jpg", ".jpeg", ".png"}
UPLOAD_MAX_BYTES = 5 * 1024 * 1024


def material_upload_check(*, user: Any, number: str, code: str) -> None:
    """May ``user`` hand in material ``code`` on case ``number`` now? Read-only, before any file
    is stored. Raises NotFound (no such case for this user, no such material), Conflict (case
    closed, material already on file)."""
    case = case_get(user=user, number=number)
    if case.status in TERMINAL:
        raise Conflict(gettext("办件已结束"), code="case_closed")
    state = CaseMaterial.objects.filter(case=case, code=code).values_list("state", flat=True).first()
    if state is None:
        raise NotFound(gettext("该办件没有材料 %(code)s") % {"code": code})
    if state not in (MaterialState.MISSING, MaterialState.PROMISED):
        raise Conflict(gettext("该材料已齐"), code="material_on_file")


def _quota_keys(user_pk: Any, at: dt.datetime) -> tuple[str, str]:
    day = at.astimezone(SHANGHAI).date().isoformat()
    return f"uploads:{user_pk}:{day}:files", f"uploads:{user_pk}:{day}:bytes"


def _add(key: str, amount: int) -> int:
    cache.add(key, 0, timeout=2 * 86400)
    try:
        return int(cache.incr(key, amount))
    except ValueError:  # evicted between add and incr
        cache.set(key, amount, timeout=2 * 86400)
        return amount


def upload_quota_take(*, user_pk: Any, size: int, at: dt.datetime) -> None:
    """Count one file of ``size`` bytes against the account's daily upload quota.

    Raises TooMany when it would pass ``UPLOAD_DAILY_FILES`` or ``UPLOAD_DAILY_BYTES`` (nothing
    is counted then)."""
    files_key, bytes_key = _quota_keys(user_pk, at)
    files = _add(files_key, 1)
    total = _add(bytes_key, size)
    if files > settings.UPLOAD_DAILY_FILES or total > settings.UPLOAD_DAILY_BYTES:
        cache.decr(files_key)
        cache.decr(bytes_key, size)
        raise TooMany(gettext("今天上传的文件已达上限，请明天再试或到窗口提交"), code="upload_quota")


def upload_check(f: UploadedFile) -> str:
    """The file's extension, if its type and size are accepted; raises ValueError (with a message
    for people) otherwise."""
    ext = PurePath(f.name or "").suffix.lower()
    if ext not in UPLOAD_TYPES:
        raise ValueError(_("只接受 PDF、JPG、PNG 文件"))
    if (f.size or 0) > UPLOAD_MAX_BYTES:
        raise ValueError(_("文件不能超过 5 MB"))
    return ext


def store_upload(*, f: UploadedFile, user_pk: Any, token: str, code: str, at: dt.datetime) -> str:
    """Keep an uploaded material (never publicly served) and return its storage path.

    Raises ValueError for a wrong type or size (with a message for people) and TooMany past the
    daily quota; in both cases nothing is stored."""
    ext = upload_check(f)
    upload_quota_take(user_pk=user_pk, size=f.size or 0, at=at)
    return default_storage.save(f"cases/uploads/{user_pk}/{token[:32]}/{code}{ext}", f)


def discard_uploads(paths: Iterable[str]) -> None:
    """Delete files stored for a request that was then refused."""
    for path in paths:
        if path:
            # An unreachable store: `tongban storage reconcile --delete-orphans` finds it later.
            with contextlib.suppress(DomainError):
                default_storage.delete(path)
