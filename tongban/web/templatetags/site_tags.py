"""What every page shares: locale-aware display filters for dates, times and lists in the reader's
language (Django's locale formats; no "12月7日 09:00" or "、" on an English page), and the tag
through which base.html hands its blocks to the page frame."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from tongban.common.formatting import join_list

register = template.Library()


@register.filter(expects_localtime=True)
def day(value: dt.date | dt.datetime | None) -> str:
    """Month and day in the active locale: 12月7日 / December 7."""
    if not value:
        return ""
    return formats.date_format(value, "MONTH_DAY_FORMAT")


@register.filter(expects_localtime=True)
def day_weekday(value: dt.date | None) -> str:
    """Month, day and weekday: 12月7日 星期一 / December 7, Monday."""
    if not value:
        return ""
    return gettext("%(day)s %(weekday)s") % {"day": day(value), "weekday": formats.date_format(value, "l")}


@register.filter(expects_localtime=True)
def clock(value: dt.datetime | dt.time | None) -> str:
    """A time of day, 24-hour, the same in both languages: 09:00."""
    if not value:
        return ""
    return formats.time_format(value, "H:i")


@register.filter(expects_localtime=True)
def when(value: dt.datetime | None) -> str:
    """Month, day and time: 12月7日 09:00 / December 7, 09:00."""
    if not value:
        return ""
    return gettext("%(day)s %(time)s") % {"day": day(value), "time": clock(value)}


@register.filter(expects_localtime=True)
def last_day(value: dt.datetime | None) -> str:
    """The last day of a half-open day deadline (00:00 of the next day, as ``add_working_days``
    gives it) as YYYY-MM-DD: a deadline stored as 2026-09-18 00:00 reads 2026-09-17, the day it is
    met by. A deadline at another time reads as its own day."""
    if not value:
        return ""
    if value.time() == dt.time(0):
        value -= dt.timedelta(days=1)
    return value.date().isoformat()


@register.filter(name="joined")
def joined(values: Iterable[Any] | None) -> str:
    return join_list(values or ())


@register.filter
def zh_mark(value: Any) -> str:
    """A proper name as it is written, marked ``lang="zh-Hans"`` when it has Chinese characters
    (a person's or place's name has no English form to show instead)."""
    text = "" if value is None else str(value)
    if any("\u3400" <= ch <= "\u9fff" for ch in text):
        return format_html('<span lang="zh-Hans">{}</span>', text)
    return text


@register.filter
def role_label(code: Any) -> str:
    """A role's name (群众, 窗口受理员...) for its code; an unknown code shows as a dash."""
    from tongban.common.roles import Role

    try:
        return str(Role(str(code)).label)
    except ValueError:
        return "—"


class SitePageNode(template.Node):
    """``{% site_page %}`` title ``{% page_part %}`` head ``{% page_part %}`` content ``{% page_part %}``
    scripts ``{% end_site_page %}``: base.html's blocks, printed here and handed to the page frame
    (the Jinja2 template web/layout.html) that Jinja2 pages extend, so every page has one frame."""

    child_nodelists = ("title", "head", "content", "scripts")  # where {% extends %} finds the blocks

    def __init__(self, parts: list[template.NodeList]) -> None:
        self.title, self.head, self.content, self.scripts = parts

    def render(self, context: template.Context) -> str:
        from tongban.web.context import page_chrome  # context.py uses this module's filters

        frame = page_chrome(context.get("request"), context, context.get("csrf_token"))
        frame["page_title"] = mark_safe(self.title.render(context))  # noqa: S308  (Django-escaped output)
        frame["page_head"] = mark_safe(self.head.render(context))  # noqa: S308
        frame["page_content"] = mark_safe(self.content.render(context))  # noqa: S308
        frame["page_scripts"] = mark_safe(self.scripts.render(context))  # noqa: S308
        return render_to_string("web/layout.html", frame, using="jinja2")


@register.tag
def site_page(parser: template.base.Parser, token: template.base.Token) -> SitePageNode:
    parts = []
    for _ in range(3):
        parts.append(parser.parse(("page_part",)))
        parser.delete_first_token()
    parts.append(parser.parse(("end_site_page",)))
    parser.delete_first_token()
    return SitePageNode(parts)
