"""Display helpers for cases: deadlines as people read them, countdown badges, status labels."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import template
from django.utils.translation import gettext as _

from tongban.cases.models import Status
from tongban.common.clock import SHANGHAI

register = template.Library()


@register.filter
def deadline(value: dt.datetime | None, what: str = "") -> str:
    """A half-open day deadline (00:00 of the next day) reads as that last day; others with time.
    ``what="supply"`` is a deadline for the applicant to hand in materials (告知承诺), not for the
    bureau to decide: "前补交", not "前办结"."""
    if value is None:
        return "—"
    local = value.astimezone(SHANGHAI)
    if local.time() == dt.time(0):
        suffix = _("前补交") if what == "supply" else _("前办结")
        return (local - dt.timedelta(days=1)).date().isoformat() + " " + suffix
    return _minutes(local)


def _minutes(value: dt.datetime) -> str:
    # "%Y-%m-%d %H:%M" without strftime, which costs several times more (list pages print two a row)
    return value.isoformat(" ", "minutes")[:16]


@register.filter
def local(value: dt.datetime | None) -> str:
    return "—" if value is None else _minutes(value.astimezone(SHANGHAI))


_FROM_REGISTRY = re.compile(r"^来自(?P<label>.+?)，读取于 (?P<at>.+)$")
_FROM_PHOTOS = re.compile(r"^照片库.*?标准照片(?:，拍摄于 (?P<at>.+))?$")


@register.filter
def provenance(value: str) -> str:
    """A material's recorded provenance (Chinese, as stored) in the reader's language."""
    if m := _FROM_REGISTRY.match(value or ""):
        return _("来自%(label)s，读取于 %(at)s") % {"label": _(m["label"]), "at": m["at"]}
    if m := _FROM_PHOTOS.match(value or ""):
        return _("照片库标准照片，拍摄于 %(at)s") % {"at": m["at"]} if m["at"] else _("照片库标准照片")
    return value or ""


@register.filter
def status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return value


@register.inclusion_tag("cases/partials/countdown.html")
def countdown_badge(cd: Any) -> dict[str, Any]:
    hours = None
    if getattr(cd, "seconds_left", None) is not None:
        hours = round(cd.seconds_left / 3600, 1)
    return {"cd": cd, "hours": hours}


@register.filter
def region_name(code: str) -> str:
    """A region's name for people (承办地): the district with its city, a province elsewhere;
    the code only when nothing names it."""
    from tongban.cases.outcomes import region_label

    return region_label(code or "") or (code or "")


_USERNAME = re.compile(r"\s*\([\x21-\x7e]+\)$")


@register.filter
def actor_name(label: str, viewer: Any) -> str:
    """Who made a person's move, for the case's history (the template names the system's own
    steps): nothing for a bare role word (the demo's older generated cases; the role follows
    anyway), and a staff member's name without their login name unless the reader is staff."""
    from tongban.common.roles import Role

    text = str(label or "")
    if text in Role.values:
        return ""
    if not getattr(viewer, "is_staff_role", False):
        text = _USERNAME.sub("", text)
    return text
