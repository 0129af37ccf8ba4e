"""Staff second factor: staff with a TOTP device must verify it before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from tongban.accounts.selectors import has_confirmed_device

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/docs", "/api/v1/openapi.json", "/healthz")


class StaffSecondFactorMiddleware:
    """Send an unverified staff session to the TOTP page (pages) or answer 403 (API)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Cheap tests first: most requests are anonymous (no session login) or carry a token, and
        # then the user, their session and their devices are never loaded here.
        if (
            SESSION_KEY in request.session
            and "HTTP_AUTHORIZATION" not in request.META
            and not getattr(request, "token_authenticated", False)
            and not request.path.startswith(EXEMPT_PREFIXES)
            and getattr(request.user, "is_staff_role", False)
            and request.user.is_authenticated
            and not request.user.is_verified()  # type: ignore[attr-defined]  # added by django_otp.middleware.OTPMiddleware
        ):
            user = request.user
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
