"""Template filters for catalog pages: bilingual fields, labels, limits and fees."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import get_language, gettext, ngettext

from tongban.catalog import labels

register = template.Library()


def _english() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def loc(obj: Any, field: str) -> str:
    """``obj.<field>_en`` when the page is in English and it is set, else ``obj.<field>_zh``."""
    getter = obj.get if isinstance(obj, dict) else lambda k, d=None: getattr(obj, k, d)
    if _english():
        value = getter(f"{field}_en", None)
        if value:
            return str(value)
    return str(getter(f"{field}_zh", "") or "")


@register.filter
def label(code: Any, kind: str) -> str:
    """The display label of a code: ``{{ c|label:"channel" }}`` (channel, reach, source, result,
    applicant, role)."""
    table = getattr(labels, f"{kind.upper()}_LABELS", {})
    value = table.get(str(code))
    return str(value) if value is not None else str(code)


@register.filter
def time_limit(limit: Any) -> str:
    """A time limit in words: 当场办结 / 5 个工作日 / 8 个工作小时 / 60 日."""
    if limit is None:
        return ""
    value, unit = limit.value, limit.unit
    if value == 0:
        return gettext("当场办结")
    if unit == "working_hours":
        return ngettext("%(n)d 个工作小时", "%(n)d 个工作小时", value) % {"n": value}
    if unit == "calendar_days":
        return ngettext("%(n)d 日（自然日）", "%(n)d 日（自然日）", value) % {"n": value}
    return ngettext("%(n)d 个工作日", "%(n)d 个工作日", value) % {"n": value}


@register.filter
def fee(amount: Any) -> str:
    """A fee in yuan: 免费 / 20 元."""
    if amount is None:
        return ""
    amount = Decimal(str(amount))
    if amount == 0:
        return gettext("免费")
    text = f"{amount:.2f}".rstrip("0").rstrip(".")
    return gettext("%(amount)s 元") % {"amount": text}
