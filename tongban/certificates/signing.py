"""Where the Django side gets its signer and the published key set.

Keys live in ``settings.CERTIFICATE_KEYS_DIR`` (``TONGBAN_CERT_KEYS_DIR``, default ``var/keys``):
``keys.json`` (public) and ``<kid>.pem`` (private, mode 0600). The embedded demo creates the first
key there on first use; production refuses to invent one (run ``tongban cert keygen --dir ...``
or mount the directory from a secret). ``settings.CERTIFICATE_SIGNER``, when set, is the dotted
path of a zero-argument factory returning a ``Signer`` (a hardware module, an SM2 device); its
public key must then be listed in ``keys.json``. Nothing about keys is stored in the database.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from tongban.certificates.core.keys import KeyDirectory, KeySet, Signer

_lock = threading.Lock()
_cache: dict[str, tuple[int, object]] = {}


def key_directory() -> KeyDirectory:
    return KeyDirectory(Path(settings.CERTIFICATE_KEYS_DIR), issuer="tongban")


def _stamp(directory: KeyDirectory) -> int:
    try:
        return directory.keyset_path.stat().st_mtime_ns
    except FileNotFoundError:
        return -1


def _cached(name: str, stamp: int) -> object | None:
    hit = _cache.get(name)
    return hit[1] if hit is not None and hit[0] == stamp else None


def current_signer(*, now: dt.datetime) -> Signer:
    """The signer for new certificates: the newest key (re-read after a rotation)."""
    factory = getattr(settings, "CERTIFICATE_SIGNER", "")
    if factory:
        signer: Signer = import_string(factory)()
        return signer
    directory = key_directory()
    with _lock:
        stamp = _stamp(directory)
        hit = _cached(f"signer:{directory.path}", stamp)
        if hit is not None:
            return hit  # type: ignore[return-value]
        if getattr(settings, "PRODUCTION", False):
            fresh: Signer = directory.signer()
        else:
            fresh = directory.ensure(now=now)
        _cache[f"signer:{directory.path}"] = (_stamp(directory), fresh)
        return fresh


# keys.json is looked at again at most this often: a rotation is seen within a second.
RECHECK_SECONDS = 1.0
_published: dict[str, tuple[float, KeySet]] = {}


def published_keys(*, refresh: bool = False) -> KeySet:
    """Every public key in ``keys.json``, retired ones included, cached until the file changes
    (looked at again at most once a second, or now with ``refresh``)."""
    where = str(settings.CERTIFICATE_KEYS_DIR)
    hit = _published.get(where)
    clock = time.monotonic()
    if hit is not None and not refresh and clock - hit[0] < RECHECK_SECONDS:
        return hit[1]
    directory = key_directory()
    stamp = _stamp(directory)
    cached = _cached(f"keys:{directory.path}", stamp)
    keys = cached if isinstance(cached, KeySet) else directory.key_set()
    _cache[f"keys:{directory.path}"] = (stamp, keys)
    _published[where] = (clock, keys)
    return keys
