"""The root NinjaAPI at /api/v1/: one router per module, one problem+json error handler."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from tongban.accounts.selectors import user_by_api_token
from tongban.common import clock
from tongban.common.errors import DomainError
from tongban.common.masking import mask_text


class BearerToken(HttpBearer):
    """``Authorization: Bearer tb_...`` for machine clients."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_by_api_token(raw=token, at=clock.now())  # read at call time, not bound at import
        if user is not None:
            request.user = user
            request.token_authenticated = True  # type: ignore[attr-defined]
        return user


def _staff_verified(request: HttpRequest) -> bool:
    from django.conf import settings

    from tongban.accounts.selectors import has_confirmed_device

    user = request.user
    if not getattr(user, "is_staff_role", False):
        return True
    if user.is_verified():  # type: ignore[union-attr]
        return True
    return not (settings.REQUIRE_STAFF_2FA or has_confirmed_device(user))  # type: ignore[arg-type]


class Session(SessionAuth):
    """The browser session (CSRF checked on unsafe methods), staff second factor honoured."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user and _staff_verified(request):
            return user
        return None


class BadBody(Exception):
    """A request body the API refuses before validation: not JSON (415), or JSON that no field can
    hold (400: undecodable bytes, lone surrogates, NUL characters, NaN/Infinity, too deep)."""

    def __init__(self, status: int, code: str, title: str) -> None:
        super().__init__(title)
        self.status, self.code, self.title = status, code, title


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _clean_text(data: Any) -> bool:
    """True when every string (keys too) in decoded JSON is encodable UTF-8 without NUL."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings: Any = (item,)
        elif isinstance(item, dict):
            strings = item.keys()
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for text in strings:
            if "\x00" in text or (not text.isascii() and _has_surrogate(text)):
                return False
    return True


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class StrictJsonParser(Parser):
    """The one reader of JSON request bodies.

    ninja reads ``request.body`` as JSON whatever the Content-Type says, so a multipart or
    text/plain request reached the endpoints as JSON; and a lone surrogate (``"\\udc80"``) or an
    escaped NUL decodes into a ``str`` that the database driver cannot encode (a server error).
    Both are refused here, before any endpoint runs.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        ctype = request.content_type or ""
        if ctype != "application/json" and not ctype.endswith("+json"):
            raise BadBody(415, "unsupported_media_type", gettext("请以 JSON 提交"))
        try:
            text = request.body.decode("utf-8")
            data = json.loads(text, parse_constant=_refuse_constant)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise BadBody(400, "bad_json", gettext("请求体不是有效的 JSON")) from None
        if not _clean_text(data):
            raise BadBody(400, "bad_text", gettext("文本中含有无效字符"))
        return data


class Api(NinjaAPI):
    """The NinjaAPI with every operation's error answers documented (problem+json).

    The one exception handler below renders refusals for every operation alike, so the OpenAPI
    document lists them for every operation alike: 400/403/404/409/422/429 always, 401 where the
    operation needs a login, 415 where it takes a body.
    """

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_problems(schema)


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `code` is stable for clients, `title` is for people.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status", "code"],
}
PROBLEM_STATUSES = {
    400: "Bad request (problem+json)",
    401: "Not logged in (problem+json)",
    403: "Not allowed (problem+json)",
    404: "Not found, or not yours to see (problem+json)",
    409: "Conflicts with the current state (problem+json)",
    415: "The body is not application/json (problem+json)",
    422: "Invalid request data (problem+json)",
    429: "Too many requests (problem+json)",
}


def document_problems(schema: OpenAPISchema) -> OpenAPISchema:
    """``schema`` with the problem+json answers added to every operation (see ``Api``)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in schema.get("paths", {}).values():
        for op in operations.values():
            codes = {400, 403, 404, 409, 422, 429}
            if op.get("security"):
                codes.add(401)
            if "requestBody" in op:
                codes.add(415)
            responses = op.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(code, {"description": PROBLEM_STATUSES[code], "content": content})
    return schema


api = Api(
    title="tongban 通办 API",
    version="1",
    description="一窗通办 · 一网通办 · 一拍共享 — public-security government services.",
    urls_namespace="api",
    auth=[BearerToken(), Session()],
    docs_url="/docs",
    parser=StrictJsonParser(),
)


def _problem(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
    body.setdefault("instance", mask_text(request.path))
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _problem(request, exc.problem(), exc.status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _problem(
        request,
        {
            "type": "https://tongban.dev/problems/validation",
            "title": gettext("请求数据不合法"),
            "status": 422,
            "code": "validation",
            "errors": exc.errors,
        },
        422,
    )


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _problem(
        request,
        {
            "type": "https://tongban.dev/problems/unauthenticated",
            "title": gettext("请先登录"),
            "status": 401,
            "code": "unauthenticated",
        },
        401,
    )


@api.exception_handler(MultiPartParserError)
def multipart_error(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return _problem(
        request,
        {
            "type": "https://tongban.dev/problems/bad_multipart",
            "title": gettext("上传的表单格式有误，请重新选择文件提交"),
            "status": 400,
            "code": "bad_multipart",
        },
        400,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, BadBody):  # ninja wraps the parser's refusal in a 400
        body = {"type": f"https://tongban.dev/problems/{cause.code}", "title": cause.title, "status": cause.status}
        return _problem(request, {**body, "code": cause.code}, cause.status)
    return _problem(
        request,
        {"type": "https://tongban.dev/problems/http", "title": str(exc), "status": exc.status_code, "code": "http"},
        exc.status_code,
    )


def _mount() -> None:
    """One router per module, each module's own api.py (imported here, after ``api`` exists,
    because the routers' modules import this one's helpers)."""
    from tongban.accounts.api import router as accounts
    from tongban.appointments.api import router as appointments
    from tongban.cases.api import router as cases
    from tongban.catalog.api import router as catalog
    from tongban.certificates.api import router as certificates
    from tongban.enterprises.api import router as enterprises
    from tongban.feedback.api import router as feedback
    from tongban.insights.api import router as insights
    from tongban.notifications.api import router as notifications
    from tongban.outlets.api import router as outlets
    from tongban.photos.api import router as photos
    from tongban.registry.api import router as registry
    from tongban.rentals.api import router as rentals
    from tongban.web.api import router as web
    from tongban.web.auditlog.api import router as audit

    api.add_router("/", web)
    api.add_router("/accounts/", accounts)
    api.add_router("/registry/", registry)
    for prefix, router in (
        ("catalog", catalog),
        ("cases", cases),
        ("photos", photos),
        ("certificates", certificates),
        ("outlets", outlets),
        ("appointments", appointments),
        ("notifications", notifications),
        ("feedback", feedback),
        ("insights", insights),
        ("enterprises", enterprises),
        ("rentals", rentals),
        ("audit", audit),
    ):
        api.add_router(f"/{prefix}/", router)


_mount()
