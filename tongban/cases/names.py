"""Item and person names in a list row, in the reader's language: an item by its English name on
an English page (from the catalog, looked up for this request), a person's name as written and
marked ``lang="zh-Hans"``. Every value is escaped here."""

from __future__ import annotations

from html import escape
from typing import Any


def item_names(lang: str) -> dict[str, str]:
    """Item code → English name on an English page (empty for Chinese: the stored name is it)."""
    if not lang.startswith("en"):
        return {}
    from tongban.catalog.selectors import items_list

    return {spec.code: spec.name_en for spec in items_list() if spec.name_en}


def item_cell(row: Any, names: dict[str, str]) -> str:
    """A case row's item name: English when known, else the Chinese name marked as such."""
    english = names.get(row.item_code)
    if english:
        return escape(english)
    if names:
        return f'<span lang="zh-Hans">{escape(row.item_name)}</span>'
    return escape(row.item_name)


def zh_cell(text: str) -> str:
    """A proper name (a person's, a place's) as written, marked as Chinese."""
    return f'<span lang="zh-Hans">{escape(text)}</span>'
