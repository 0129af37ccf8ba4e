"""Staff second factor: staff with a TOTP device must verify it before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django_otp import user_has_device

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/docs", "/api/v1/openapi.json", "/healthz")


class StaffSecondFactorMiddleware:
    """Send an unverified staff session to the TOTP page (pages) or answer 403 (API)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "is_staff_role", False)
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not getattr(request, "token_authenticated", False)
            and "HTTP_AUTHORIZATION" not in request.META
            and not user.is_verified()  # type: ignore[attr-defined]  # added by django_otp.middleware.OTPMiddleware
        ):
            has_device = user_has_device(user)
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
