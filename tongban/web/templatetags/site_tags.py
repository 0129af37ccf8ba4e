"""What every page shares: locale-aware display filters for dates, times and lists in the reader's
language (Django's locale formats; no "12月7日 09:00" or "、" on an English page), and the site
header that base.html prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

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


@register.simple_tag(takes_context=True)
def site_header(context: template.Context) -> SafeString:
    """The header of every page (brand, the role's navigation, messages, account, language switch),
    printed by the Jinja2 template ``web/header.html`` from what the ``site`` context processor
    gives. It is the same on every page, so it is printed by the engine that prints it cheaply
    (tongban/web/jinja.py): on the list pages the Django template engine spent more on these
    ~60 nodes than on the page's own content."""
    request = context.get("request")  # absent on the bare error page (errors.error_page)
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    header = {
        "links": context["links"],
        "nav": context.get("nav", ()),
        "path": request.path if request is not None else "",
        "next": request.get_full_path() if request is not None else "",
        "english": get_language() == "en",
        "signed_in": signed_in,
        "unread": context.get("unread"),
        "who": zh_mark(user) if signed_in else "",
        "title": (user.head_title or role_label(user.role)) if signed_in else "",  # type: ignore[union-attr]
        # the page's token, masked once per page (Jinja2's csrf_input would mask it anew at each form)
        "csrf_token": context.get("csrf_token", ""),
    }
    html = render_to_string("web/header.html", header, using="jinja2")
    return mark_safe(html)  # noqa: S308  (an autoescaped template's output)
