"""The root NinjaAPI at /api/v1/: one router per module, one problem+json error handler."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
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


api = NinjaAPI(
    title="tongban 通办 API",
    version="1",
    description="一窗通办 · 一网通办 · 一拍共享 — public-security government services.",
    urls_namespace="api",
    auth=[BearerToken(), Session()],
    docs_url="/docs",
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
            "title": "请求数据不合法 / Invalid request",
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
            "title": "请先登录 / Log in first",
            "status": 401,
            "code": "unauthenticated",
        },
        401,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _problem(
        request,
        {"type": "https://tongban.dev/problems/http", "title": str(exc), "status": exc.status_code, "code": "http"},
        exc.status_code,
    )


def _mount() -> None:
    from tongban.accounts.api import router as accounts
    from tongban.registry.api import router as registry
    from tongban.web.api import router as web

    api.add_router("/", web)
    api.add_router("/accounts/", accounts)
    api.add_router("/registry/", registry)
    # Capability routers; each module owns its api.py.
    import importlib

    for module in (
        "catalog",
        "cases",
        "photos",
        "certificates",
        "outlets",
        "appointments",
        "notifications",
        "feedback",
        "insights",
    ):
        try:
            mod = importlib.import_module(f"tongban.{module}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"tongban.{module}.api":
                raise
            continue
        api.add_router(f"/{module}/", mod.router)


_mount()
