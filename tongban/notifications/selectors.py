"""Notification reads: a person's inbox, rendered in the reader's language, and the unread count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language

from tongban.notifications.kinds import render
from tongban.notifications.models import Message
from tongban.notifications.sql import UNREAD_CAP as UNREAD_CAP  # re-exported
from tongban.notifications.sql import unread_count_sql as unread_count_sql  # re-exported: accounts.sql embeds it


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: int
    kind: str
    subject: str
    body: str
    created_at: Any
    read: bool
    link: str = ""


# Where a message's reader goes next: (url name, the param that names the object, or None)
LINKS: dict[str, tuple[str, str | None]] = {
    "result_issued": ("cases:detail", "case"),
    "supplement_requested": ("cases:detail", "case"),
    "rating_invitation": ("feedback:rate", "case"),
    "appointment_reminder": ("appointments:mine", None),
    "home_visit_scheduled": ("appointments:visits", None),
    "tenant_declared": ("rentals:mine", None),
    "rental_reviewed": ("rentals:mine", None),
    "hazard_pushed": ("rentals:mine", None),
}


def _link(kind: str, params: Any) -> str:
    """The page a message is about ("" when none, or its app is not installed)."""
    name, key = LINKS.get(kind, ("", None))
    arg = (params or {}).get(key) if key else None
    if not name or (key and not isinstance(arg, str)):
        return ""
    try:
        return reverse(name, args=[arg] if key else [])
    except NoReverseMatch:
        return ""


def _row(message: Message, language: str) -> InboxRow:
    try:
        subject, body = render(kind=message.kind, params=message.params, language=language)
    except KeyError:  # a kind retired since: say so rather than fail the page
        subject, body = message.kind, ""
    link = _link(message.kind, message.params)
    return InboxRow(message.pk, message.kind, subject, body, message.created_at, message.read_at is not None, link)


def inbox_page(*, user: Any, page: Any, per_page: int = 20) -> tuple[Page[Any], list[InboxRow]]:
    """One page of the user's inbox, newest first, each message rendered in the current language
    (a bad page number gives the nearest page)."""
    qs = Message.objects.filter(recipient_id=user.pk, inbox=True).only("id", "kind", "params", "created_at", "read_at")
    paged = Paginator(qs, per_page).get_page(page)
    language = get_language() or "zh-hans"
    return paged, [_row(m, language) for m in paged.object_list]


def unread_count(*, user: Any) -> int:
    """How many unread inbox messages the user has (at most UNREAD_CAP + 1); read with the
    session's user when it was loaded there."""
    known = getattr(user, "_unread_messages", None)
    if known is not None:
        return int(known)
    if not getattr(user, "is_authenticated", False):
        return 0
    return Message.objects.filter(recipient_id=user.pk, inbox=True, read_at__isnull=True)[: UNREAD_CAP + 1].count()


def sms_outbox_path() -> str | None:
    """Where SMS are written when the demo's file backend is on (None with a real gateway)."""
    from django.conf import settings

    from tongban.notifications.channels import FileSmsBackend

    if f"{FileSmsBackend.__module__}.{FileSmsBackend.__qualname__}" == settings.NOTIFY_SMS_BACKEND:
        return str(FileSmsBackend.path())
    return None
