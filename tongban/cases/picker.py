"""The clerk's item picker on the workbench: every window item grouped by department, the items
this outlet files most often first, each with the text a search matches (the Chinese name, its
pinyin initials, the English name). A read: no writes, no audit."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from django.db.models import Count
from pypinyin import Style, lazy_pinyin

from tongban.cases.models import Case
from tongban.common.roles import Department

USE_WINDOW = dt.timedelta(days=90)


@functools.lru_cache(maxsize=1024)
def pinyin_initials(text: str) -> str:
    """The pinyin initials of a Chinese name, lower case: 无犯罪记录证明 → wfzjlzm (language-free, so
    safe to keep per process)."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(ch for ch in "".join(letters).lower() if ch.isalnum())


def item_use_counts(*, outlet_id: int | None, since: dt.datetime) -> dict[str, int]:
    """Cases filed per item code since ``since``, at the outlet when given (index case_outlet)."""
    qs = Case.objects.filter(submitted_at__gte=since)
    if outlet_id is not None:
        qs = qs.filter(accepting_outlet_id=outlet_id)
    return {code: n for code, n in qs.values_list("item_code").annotate(n=Count("id")).order_by()}


def picker_groups(*, items: Iterable[Any], counts: dict[str, int], english: bool) -> list[dict[str, Any]]:
    """``items`` grouped by department: departments and the items inside them by use, most first
    (then the catalog's order). Names in the reader's language, computed here for this request."""
    groups: dict[str, dict[str, Any]] = {}
    order = {d: n for n, d in enumerate(Department.values)}
    for n, spec in enumerate(items):
        dept = str(spec.department)
        group = groups.setdefault(dept, {"code": dept, "uses": 0, "items": []})
        uses = counts.get(spec.code, 0)
        group["uses"] += uses
        name_en = getattr(spec, "name_en", "") or ""
        group["items"].append(
            {
                "code": spec.code,
                "name": name_en if english and name_en else spec.name_zh,
                "search": " ".join((spec.name_zh, pinyin_initials(spec.name_zh), name_en.lower())),
                "uses": uses,
                "n": n,
            }
        )
    out = sorted(groups.values(), key=lambda g: (-g["uses"], order.get(g["code"], 99)))
    for group in out:
        group["items"].sort(key=lambda i: (-i["uses"], i["n"]))
        try:
            group["label"] = str(Department(group["code"]).label)
        except ValueError:
            group["label"] = group["code"]
    return out
