from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class MeOut(Schema):
    username: str
    role: str
    real_name: str
    id_number: str
    phone: str
    outlet: str | None
    department: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    active: bool


class TokenCreateIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    days: int | None = Field(None, ge=1, le=3650, description="lifetime in days (default API_TOKEN_DAYS)")


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="the raw bearer token: shown this once, never again")
