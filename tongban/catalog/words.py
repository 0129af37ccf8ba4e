"""The words of an item's form a person reads: labels for enum values and titles, by language.

An item's form schema (JSON Schema) keeps the values the API takes (``window``, ``post``) and, for
people, ``x-labels: {value: [中文, English]}`` beside each ``enum``, a Chinese ``title`` and its
English in ``x-title-en``. Pages ask ``choice_label`` / ``field_title`` for the active language.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language


def _english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


def field_title(prop: dict[str, Any], name: str) -> str:
    """The field's title in the active language (the Chinese title when no English is given)."""
    if _english() and prop.get("x-title-en"):
        return str(prop["x-title-en"])
    return str(prop.get("title") or name)


def choice_label(prop: dict[str, Any], value: Any) -> str:
    """An enum value's label in the active language; the value itself if the schema has none."""
    pair = (prop.get("x-labels") or {}).get(value)
    if isinstance(pair, list) and len(pair) == 2:
        return str(pair[1] if _english() else pair[0])
    return str(value)


def form_values(schema: dict[str, Any], form: dict[str, Any], *, unlisted: bool = True) -> list[tuple[str, str]]:
    """An application's answers as (title, value) in the active language, in schema order:
    enum values by their labels, booleans as 是/否, lists joined. Keys the schema does not list
    (facts a service derived, a generator's markers) follow under their own names, unless
    ``unlisted`` is false: a citizen would read them as code names."""
    from django.utils.translation import gettext

    props = (schema or {}).get("properties") or {}
    out: list[tuple[str, str]] = []
    extra = [n for n in form if n not in props] if unlisted else []
    for name in [*[n for n in props if n in form], *extra]:
        value, prop = form[name], props.get(name) or {}
        if isinstance(value, bool):
            text = gettext("是") if value else gettext("否")
        elif isinstance(value, list):
            text = "、".join(choice_label(prop.get("items") or {}, v) for v in value)
        else:
            text = choice_label(prop, value)
        out.append((field_title(prop, name), text))
    return out


def form_words_check(node: Any, where: str) -> None:
    """What a person reads in a form schema: every ``enum`` has ``x-labels`` giving each value
    ``[Chinese, English]``; a ``title`` is Chinese only (English in ``x-title-en``), never a
    "中文 / English" pair."""
    if isinstance(node, list):
        for i, child in enumerate(node):
            form_words_check(child, f"{where}/{i}")
        return
    if not isinstance(node, dict):
        return
    title = node.get("title")
    if isinstance(title, str) and "/" in title and not title.isascii():
        raise ValueError(f"{where}: title {title!r} pairs two languages; put the English in x-title-en")
    if "enum" in node:
        labels = node.get("x-labels")
        if not isinstance(labels, dict):
            raise ValueError(f"{where}: an enum needs x-labels ({{value: [中文, English]}})")
        for value in node["enum"]:
            pair = labels.get(value)
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) and p.strip() for p in pair)):
                raise ValueError(f"{where}: x-labels lacks [中文, English] for {value!r}")
        extra = sorted(set(labels) - set(node["enum"]))
        if extra:
            raise ValueError(f"{where}: x-labels names values not in the enum: {', '.join(map(str, extra))}")
    for key, child in node.items():
        if key not in ("x-labels", "enum"):
            form_words_check(child, f"{where}/{key}")
