"""Request middleware that every request passes through, kept cheap.

The stock ``LocaleMiddleware`` also handles language prefixes in URLs, which tongban does not use;
this one only reads the language cookie and ``Accept-Language`` (memoised per distinct pair) and
does the same activation and response headers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import trans_real


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
