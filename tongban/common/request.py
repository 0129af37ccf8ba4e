"""Facts about the request shared by every module."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest

from tongban.common.access import Viewer


def client_ip(request: HttpRequest) -> str:
    """The peer address (a trusted proxy would set REMOTE_ADDR through the WSGI server)."""
    return str(request.META.get("REMOTE_ADDR", ""))


def viewer(request: HttpRequest) -> Viewer:
    """The request's user as access checks and services see it (their ``actor``): an accounts
    User, or Django's AnonymousUser, whose ``is_authenticated`` is False and which every access
    check refuses before reading anything else. Only the static type changes here."""
    return cast(Viewer, request.user)
