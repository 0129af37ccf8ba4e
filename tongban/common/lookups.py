"""Process-local lookups kept for a few seconds: reference data read on every request.

A submission asks which version of its item is current and which outlet of a region handles
it. Both change when an administrator publishes an item or edits an outlet, a few times a day;
asking the database on every submission cost a round trip each (about a tenth of a
submission's CPU, docs/adr/0003). A ``Lookup`` keeps each answer for ``LOOKUP_CACHE_SECONDS``
(``TONGBAN_LOOKUP_CACHE_SECONDS``, default 5; 0 turns keeping off). The process that makes a
change forgets at once (its writing service calls ``lookups_changed`` inside its transaction);
the other processes see it within those seconds.

A miss (None) is kept only where the lookup says so (``misses=True``): an item that is not found
must not stay hidden once published, while "no outlet handles this here" is an answer like any.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.conf import settings

V = TypeVar("V")

_ALL: list[Lookup[object]] = []
_ALL_LOCK = threading.Lock()


class Lookup(Generic[V]):
    """Answers by key, each kept for ``LOOKUP_CACHE_SECONDS`` (at most ``size`` keys)."""

    def __init__(self, name: str, *, size: int = 2048, misses: bool = False) -> None:
        self.name = name
        self.size = size
        self.misses = misses
        self._kept: dict[Hashable, tuple[float, V | None]] = {}
        with _ALL_LOCK:
            _ALL.append(self)  # type: ignore[arg-type]

    def get(self, key: Hashable, load: Callable[[], V | None]) -> V | None:
        """The kept answer for ``key``, or ``load()``'s (None kept only with ``misses``)."""
        hit = self._kept.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        seconds = float(getattr(settings, "LOOKUP_CACHE_SECONDS", 0))
        if seconds > 0 and (value is not None or self.misses):
            if len(self._kept) >= self.size:
                self._kept.clear()
            self._kept[key] = (now + seconds, value)
        return value

    def forget(self) -> None:
        self._kept.clear()


def forget_all() -> None:
    """Forget every kept answer in this process (after a change to the data they come from)."""
    with _ALL_LOCK:
        lookups = list(_ALL)
    for lookup in lookups:
        lookup.forget()


def lookups_changed() -> None:
    """Call inside the transaction that changes data a ``Lookup`` keeps: this process forgets now
    (its own later reads in the transaction) and again after the commit (a read by another thread
    in between kept the old answer)."""
    from django.db import transaction

    forget_all()
    transaction.on_commit(forget_all)
