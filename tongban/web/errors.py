"""Error pages (400/403/404/429/500) in the site's layout and the reader's language.

Django calls the ``handler*`` views named in the root URLconf; a refusal raised by a service and
not caught by its page (TooMany, NotFound, Forbidden) reaches ``DomainErrorPages``, which renders
the same pages. The API answers its own errors as problem+json before any of this runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from tongban.common.errors import DomainError, Forbidden, NotFound, TooMany
from tongban.web.context import header_links

logger = logging.getLogger(__name__)

TEMPLATE = "web/error.html"


def _texts(status: int) -> tuple[str, str]:
    """The heading and the explanation for ``status``, translated for this request."""
    if status == 400:
        return _("请求无法处理"), _("请求的内容不完整或格式有误。请返回上一页检查后重试。")
    if status == 403:
        return _("没有权限访问此页面"), _("您的账号无权使用此功能。如需办理，请从首页进入您可以使用的服务。")
    if status == 404:
        return _("找不到此页面"), _("您访问的页面不存在或已被移除。请检查链接，或从首页、办事指南重新查找。")
    if status == 429:
        return _("操作过于频繁"), _("短时间内的请求次数已达上限。请稍等片刻再试。")
    return _("系统出错了"), _("服务器暂时无法完成您的请求，错误已记录。请稍后再试；急需办理请到就近窗口。")


def error_page(request: HttpRequest, status: int, *, detail: str = "", retry_after: int | None = None) -> HttpResponse:
    """The error page for ``status`` with links to where the reader can go next."""
    title, message = _texts(status)
    context: dict[str, Any] = {"status": status, "title": title, "message": message, "detail": detail}
    if retry_after:
        context["retry_minutes"] = max(1, (int(retry_after) + 59) // 60)
    try:
        response = render(request, TEMPLATE, context, status=status)
    except Exception:  # the database or a context processor may be what failed: a page without them
        logger.exception("error page rendered without the request context")
        bare = {**context, "bare": True, "links": header_links()}
        response = HttpResponse(render_to_string(TEMPLATE, bare), status=status)
    if retry_after:
        response["Retry-After"] = str(int(retry_after))
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid security token (an expired page, cookies off): a 403 that says so."""
    return error_page(request, 403, detail=_("页面已过期或浏览器未启用 Cookie。请刷新页面后重新提交。"))


class DomainErrorPages:
    """Render the error page for a refusal a page view did not handle itself (pages only)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        if isinstance(exception, TooMany):
            return error_page(request, 429, retry_after=exception.extra.get("retry_after"))
        if isinstance(exception, NotFound):
            return error_page(request, 404)
        if isinstance(exception, Forbidden):
            return error_page(request, 403)
        return None
