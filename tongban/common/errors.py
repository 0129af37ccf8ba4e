"""Domain errors and their RFC 9457 problem+json rendering.

Services raise these; the API's one exception handler and the pages turn them into answers.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise as StrPromise


class DomainError(Exception):
    """A refused request. ``code`` is stable for clients; ``message`` is for people (Chinese first)."""

    status = 400
    code = "invalid"

    def __init__(self, message: str | StrPromise, *, code: str | None = None, **extra: Any) -> None:
        message = str(message)  # a lazy translation is rendered in the language of the request
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra

    def problem(self, instance: str = "") -> dict[str, Any]:
        """The RFC 9457 body for this error."""
        body: dict[str, Any] = {
            "type": f"https://tongban.dev/problems/{self.code}",
            "title": self.message,
            "status": self.status,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class Invalid(DomainError):
    """The input breaks a rule (400)."""

    status = 400
    code = "invalid"


class NotFound(DomainError):
    """No such object, or the caller may not know it exists (404: nothing leaked)."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The caller is known but the role may not do this (403)."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request conflicts with the current state (409): illegal transition, full slot, reused key."""

    status = 409
    code = "conflict"


class TooMany(DomainError):
    """Rate or per-person limit reached (429)."""

    status = 429
    code = "too_many_requests"


class Unavailable(DomainError):
    """A service the request needs (the object store, a registry) is down for now (503): try again."""

    status = 503
    code = "unavailable"
