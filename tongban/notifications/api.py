"""Inbox endpoints: my messages (rendered in the request's language), unread count, mark read."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from tongban.common.clock import now
from tongban.common.params import RowId
from tongban.notifications.schemas import InboxOut, UnreadOut
from tongban.notifications.selectors import inbox_page, unread_count
from tongban.notifications.services import message_mark_read, messages_mark_all_read

router = Router(tags=["notifications 消息"])


class PageIn(Schema):
    page: int = Field(1, ge=1, le=100_000)


@router.get("/", response=InboxOut)
def inbox(request: HttpRequest, q: Query[PageIn]) -> dict[str, Any]:
    """My inbox, newest first, twenty a page."""
    page, rows = inbox_page(user=request.user, page=q.page)
    return {
        "page": page.number,
        "pages": page.paginator.num_pages,
        "unread": unread_count(user=request.user),
        "messages": [asdict(r) for r in rows],
    }


@router.get("/unread", response=UnreadOut)
def unread(request: HttpRequest) -> dict[str, int]:
    """How many unread messages I have."""
    return {"unread": unread_count(user=request.user)}


@router.post("/{message_id}/read", response={204: None})
def read(request: HttpRequest, message_id: RowId) -> Status:
    """Mark one of my messages read."""
    message_mark_read(user=request.user, message_id=message_id, at=now())
    return Status(204, None)


@router.post("/read-all", response={204: None})
def read_all(request: HttpRequest) -> Status:
    """Mark all my messages read."""
    messages_mark_all_read(user=request.user, at=now())
    return Status(204, None)
