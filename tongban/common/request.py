"""Facts about the request shared by every module."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The peer address (a trusted proxy would set REMOTE_ADDR through the WSGI server)."""
    return str(request.META.get("REMOTE_ADDR", ""))
