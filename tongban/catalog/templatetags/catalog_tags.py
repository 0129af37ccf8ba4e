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


_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int | None:
    """一百零二 → 102, 二十 → 20, 十三 → 13; None when ``text`` is not a Chinese numeral."""
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        return None
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
    return total + (digit or 0)


@register.filter
def article(text: Any) -> Any:
    """A legal basis's article reference in the reader's language: 第十条、第十三条 stays in a
    Chinese page; in English it reads "Articles 10 and 13", with a note in brackets translated
    (or marked as Chinese when it has no translation)."""
    import re

    from django.utils.html import format_html

    text = str(text or "")
    if not _english() or not text:
        return text
    head, sep, note = text.partition("（")
    numbers = [chinese_number(m) for m in re.findall(r"第([零一二两三四五六七八九十百千]+)条", head)]
    if not numbers or any(n is None for n in numbers) or re.sub(r"第[零一二两三四五六七八九十百千]+条|、", "", head):
        return format_html('<span lang="zh-Hans">{}</span>', text)
    words = [str(n) for n in numbers]
    # only ever built for an English page: English text, not a msgid
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    ref = ("Article " if len(words) == 1 else "Articles ") + listed
    note = note.rstrip("）") if sep else ""
    if not note:
        return ref
    translated = gettext(note)
    if translated != note:
        return f"{ref} ({translated})"
    return format_html('{} (<span lang="zh-Hans">{}</span>)', ref, note)


@register.filter
def item_name(name_zh: Any) -> Any:
    """An item named by its stored Chinese name (a case's, a rating's), in the reader's language:
    the catalog's English name on an English page, or the Chinese name marked as such."""
    from django.utils.html import format_html

    text = str(name_zh or "")
    if not _english() or not text:
        return text
    from tongban.catalog.selectors import items_list

    for spec in items_list():
        if spec.name_zh == text and spec.name_en:
            return spec.name_en
    return format_html('<span lang="zh-Hans">{}</span>', text)
