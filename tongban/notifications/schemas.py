from __future__ import annotations

import datetime as dt

from ninja import Schema


class MessageOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    created_at: dt.datetime
    read: bool


class InboxOut(Schema):
    page: int
    pages: int
    unread: int
    messages: list[MessageOut]


class UnreadOut(Schema):
    unread: int
