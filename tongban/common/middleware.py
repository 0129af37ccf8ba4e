"""Request middleware that every request passes through, kept cheap.

The stock ``LocaleMiddleware`` also handles language prefixes in URLs, which tongban does not use;
this one only reads the language cookie and ``Accept-Language`` (memoised per distinct pair) and
does the same activation and response headers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext, trans_real
from django.utils.translation import gettext as _

from tongban.common.errors import Invalid


@functools.lru_cache(maxsize=512)
def language_for(cookie: str | None, accept: str) -> str:
    """The supported language for a language cookie value and an Accept-Language header."""
    if cookie:
        try:
            return translation.get_supported_language_variant(cookie)
        except LookupError:
            pass
    for code, _quality in trans_real.parse_accept_lang_header(accept):
        if code == "*":
            break
        if not trans_real.language_code_re.search(code):
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


class LocaleMiddleware:
    """Activate the request's language (cookie, then Accept-Language, then the default)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.cookie_name = settings.LANGUAGE_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(
            request.COOKIES.get(self.cookie_name), request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:400]
        )
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response


class NulGuardMiddleware:
    """Refuse a NUL character in the path or query string (400), for pages and the API alike.

    No identifier, code or search text contains one, and PostgreSQL cannot store or compare one:
    a ``%00`` reaching a query was a server error. Cheap: two substring tests per request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path:
            if request.path.startswith("/api/"):
                body = Invalid(gettext("请求中含有空字符"), code="bad_text")
                return JsonResponse(
                    body.problem(), status=400, content_type="application/problem+json", json_dumps_params={}
                )
            return HttpResponseBadRequest(
                _("请求中含有无效字符，请检查链接后重试。"), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy and ``Cache-Control: no-store`` (issue 16, G1).

    - CSP: scripts, styles, frames and connections from this site only (no inline script, no
      inline event handler: page behaviour lives in static files, see web/site.js), no framing
      (``frame-ancestors 'none'``); images also from the basemap's tile hosts (CSP_IMG_HOSTS).
      Inline ``style`` attributes stay allowed: the map library positions its layers with them.
    - ``no-store`` on every answer to a signed-in user or a bearer token, and on every API
      answer, unless the view chose its own caching: those carry personal data.
    HSTS, nosniff, Referrer-Policy and COOP come from Django's SecurityMiddleware settings.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.session_cookie = settings.SESSION_COOKIE_NAME
        img = " ".join(["'self'", "data:", "blob:", *settings.CSP_IMG_HOSTS])
        self.csp = (
            "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
            f"img-src {img}; media-src 'self' blob:; connect-src 'self'; font-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a request with a session cookie can be signed in (tokens come in a header), and
        # only then is the user loaded: anonymous hot paths (certificate checks) load nobody.
        # Read before the view too: a view that logs the user out still answered a signed-in one.
        has_session = self.session_cookie in request.COOKIES
        signed_in = has_session and getattr(getattr(request, "user", None), "is_authenticated", False)
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        if "Cache-Control" not in response.headers and (
            request.path.startswith("/api/")
            or "HTTP_AUTHORIZATION" in request.META
            or signed_in
            or (has_session and getattr(getattr(request, "user", None), "is_authenticated", False))
        ):
            response.headers["Cache-Control"] = "no-store"
        return response
