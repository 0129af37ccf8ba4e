from __future__ import annotations

from ninja import Schema


class MeOut(Schema):
    username: str
    role: str
    real_name: str
    id_number: str
    phone: str
    outlet: str | None
    department: str
