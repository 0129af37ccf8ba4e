"""Display formatting that depends on the active language (called at render time, never cached)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import pgettext


def join_list(values: Iterable[Any]) -> str:
    """Items joined as the active language lists them: 甲、乙 / A, B."""
    return pgettext("list separator", "、").join(str(v) for v in values)
