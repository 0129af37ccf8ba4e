"""Staff second factor: staff with a TOTP device must verify it before anything else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.functional import LazyObject

from tongban.accounts.selectors import has_confirmed_device

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/docs", "/api/v1/openapi.json", "/healthz")


def _unwrapped(user: Any) -> Any:
    """The user behind ``request.user``'s lazy proxies, loaded.

    AuthenticationMiddleware wraps the session's user in a SimpleLazyObject and django_otp wraps
    that one again, so every later ``request.user.x`` goes through two proxies. Once the user is
    needed anyway, the loaded object replaces them.
    """
    while isinstance(user, LazyObject):
        # loads it (and runs django_otp's set-up of is_verified and otp_device)
        _ = user.pk  # type: ignore[attr-defined]
        user = user._wrapped  # type: ignore[attr-defined]
    return user


class StaffSecondFactorMiddleware:
    """Send an unverified staff session to the TOTP page (pages) or answer 403 (API).

    A signed-in page request leaves here with ``request.user`` the loaded user, not a proxy.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Cheap tests first: most requests carry no session login, and then the user, their
        # session and their devices are never loaded here. A request header is never a reason to
        # skip the check: pages authenticate by session only, and the API's own auth classes
        # (config.api: a bearer token, or the session with this same check) decide there.
        if SESSION_KEY not in request.session or request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        if request.path.startswith("/api/") and "HTTP_AUTHORIZATION" in request.META:
            return self.get_response(request)
        user = request.user = _unwrapped(request.user)
        if (
            getattr(user, "is_staff_role", False)
            and user.is_authenticated
            and not user.is_verified()  # added by django_otp.middleware.OTPMiddleware
        ):
            has_device = has_confirmed_device(user)
            if has_device or settings.REQUIRE_STAFF_2FA:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "type": "https://tongban.dev/problems/second_factor",
                            "title": "需要二次验证 / Second factor required",
                            "status": 403,
                            "code": "second_factor",
                        },
                        status=403,
                        content_type="application/problem+json",
                    )
                return redirect("accounts:otp" if has_device else "accounts:otp_setup")
        return self.get_response(request)
