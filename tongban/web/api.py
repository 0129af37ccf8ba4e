"""Service-level endpoints: health."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["service"])


class HealthOut(Schema):
    status: str


@router.get("/health", response=HealthOut, auth=None)
def health(request: HttpRequest) -> dict[str, str]:
    """Liveness."""
    return {"status": "ok"}
