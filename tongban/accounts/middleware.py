"""Session limits (idle and absolute, G4), the staff second factor (TOTP before anything else), and
the change of a temporary password an administrator set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.functional import LazyObject
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from tongban.accounts.selectors import has_confirmed_device
from tongban.common import clock

# Pages an unverified staff session may still open: signing in and out, the second factor itself.
# The rest of the account area (tokens above all: a token would skip the factor) is not exempt.
EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/otp/",
    "/static/",
    "/i18n/",
    "/api/docs",
    "/api/v1/openapi.json",
    "/healthz",
)


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


# The one page a user with a temporary password may open besides the exempt ones (修改密码).
CHANGE_PAGES = "/accounts/password/"


def _problem(code: str, title: str, status: int) -> JsonResponse:
    """An API answer in the site's problem+json form (tongban.common.errors)."""
    body = {"type": f"https://tongban.dev/problems/{code}", "title": title, "status": status, "code": code}
    return JsonResponse(body, status=status, content_type="application/problem+json")


# Session keys: when the user signed in, when they were last seen (epoch seconds), how long they
# may stay idle (set at sign-in from the role).
AUTH_AT, SEEN_AT, IDLE = "_tb_auth_at", "_tb_seen_at", "_tb_idle"
# Last-seen is written at most this often: a session write per request would cost a database
# write on every page; the idle limit is then enforced to within this many seconds.
SEEN_RESOLUTION = 60


def idle_limit(user: Any) -> int:
    """Seconds a session of ``user`` may stay idle (staff are stricter than citizens)."""
    if getattr(user, "is_staff_role", False):
        return int(settings.SESSION_IDLE_STAFF_SECONDS)
    return int(settings.SESSION_IDLE_CITIZEN_SECONDS)


def session_started(request: HttpRequest, user: Any, **_signal: Any) -> None:
    """Stamp a freshly signed-in session. Connected to ``user_logged_in`` (accounts.apps), so
    every way of signing in (the site, the admin, a test client's force_login) stamps it: this is
    session bookkeeping, not domain flow."""
    if request is None:
        return
    t = int(clock.now().timestamp())
    request.session[AUTH_AT] = t
    request.session[SEEN_AT] = t
    request.session[IDLE] = idle_limit(user)
    request.session.set_expiry(idle_limit(user))


class SessionLimitsMiddleware:
    """End a signed-in session that has been idle too long (staff 15 min, citizens 30 min by
    default) or is older than SESSION_ABSOLUTE_SECONDS: the session is flushed on the server, a
    page is sent to the login page with a message, the API answers 401.

    The server-side expiry follows the idle limit too (``set_expiry``), so an abandoned session
    disappears from the store without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY not in session or request.path.startswith(("/static/", "/healthz")):
            return self.get_response(request)
        t = int(clock.now().timestamp())
        auth_at, seen_at, idle = session.get(AUTH_AT), session.get(SEEN_AT), session.get(IDLE)
        if auth_at is None or seen_at is None or idle is None:
            # signed in by a path that did not stamp it (force_login, an older session)
            idle = idle_limit(_unwrapped(request.user))
            auth_at = seen_at = t
            session[AUTH_AT], session[IDLE] = t, idle
        if t - seen_at > idle or t - auth_at > settings.SESSION_ABSOLUTE_SECONDS:
            logout(request)  # flushes the session server-side
            if request.path.startswith("/api/"):
                return _problem("session_expired", _("登录已超时，请重新登录。"), 401)
            messages.info(request, _("您长时间未操作或登录时间过长，已自动退出，请重新登录。"))
            if request.method == "GET":
                return redirect_to_login(request.get_full_path())
            return redirect(settings.LOGIN_URL)
        if t - seen_at >= SEEN_RESOLUTION or SEEN_AT not in session:
            session[SEEN_AT] = t
            session.set_expiry(idle)
        return self.get_response(request)


class StaffSecondFactorMiddleware:
    """Send an unverified staff session to the TOTP page (pages) or answer 403 (API); then send
    a user whose password an administrator set (``must_change_password``) to 修改密码.

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
                    return _problem("second_factor", gettext("需要二次验证"), 403)
                return redirect("accounts:otp" if has_device else "accounts:otp_setup")
        if getattr(user, "must_change_password", False) and not request.path.startswith(CHANGE_PAGES):
            # an administrator set a temporary password: nothing else until the user sets their own
            if request.path.startswith("/api/"):
                return _problem("password_change_required", gettext("请先在网页上修改管理员设置的临时密码。"), 403)
            return redirect("accounts:password_change")
        return self.get_response(request)
