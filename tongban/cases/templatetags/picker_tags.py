"""``{% item_picker items selected %}``: the workbench's searchable, grouped item picker."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from tongban.cases.picker import USE_WINDOW, item_use_counts, picker_groups
from tongban.common.clock import now

register = template.Library()


@register.inclusion_tag("cases/partials/item_picker.html", takes_context=True)
def item_picker(context: template.Context, items: list[Any], selected: Any = None) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    counts = item_use_counts(outlet_id=getattr(user, "outlet_id", None), since=now() - USE_WINDOW)
    english = (get_language() or "").startswith("en")
    return {
        "groups": picker_groups(items=items, counts=counts, english=english),
        "selected": getattr(selected, "code", ""),
        "found": context.get("found"),
        "csrf_token": context.get("csrf_token"),
    }
