"""Top-level URLs: pages per module, the API at /api/v1/, docs at /api/docs."""

from __future__ import annotations

import importlib

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from tongban.certificates.urls import well_known_urlpatterns
from tongban.config.api import api
from tongban.web import views as web_views


def _api_by_module() -> tuple[list[URLPattern | URLResolver], str, str]:
    """The API's URL patterns nested by their first path segment (``cases/``, ``appointments/``...).

    django-ninja hands Django one flat list, which Django tries in order: a booking, the last
    module's route, was matched against some 45 patterns on every request. Nested, a request is
    tried against the dozen module prefixes and then its own module's few routes. The order inside
    a module is kept (it matters: ``cases/queue`` before ``cases/<number>``), and so are the names
    under the ``api`` namespace.
    """
    patterns, app_name, namespace = api.urls
    groups: dict[str, list[URLPattern | URLResolver]] = {}
    top: list[URLPattern | URLResolver] = []
    for p in patterns:
        route = str(p.pattern)
        head, sep, rest = route.partition("/")
        if not sep or "<" in head or not isinstance(p, URLPattern):
            top.append(p)  # no module prefix to share (or a converter in it): left as it is
            continue
        named = path(rest, p.callback, p.default_args, p.name) if p.name else path(rest, p.callback, p.default_args)
        groups.setdefault(head + "/", []).append(named)
    nested = [path(prefix, include(routes)) for prefix, routes in groups.items()]
    return [*nested, *top], app_name, namespace


admin.site.site_header = "通办 tongban 管理"
admin.site.site_title = "通办 tongban"

# Django tries these in order, so the busiest come first: the API, the home page and the
# capability modules' pages; the admin, language switch and docs redirect last.
urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", _api_by_module()),
    path("", include("tongban.web.urls")),
    path("healthz", web_views.healthz),
    path("bench/bare", web_views.bare_json),
]

for _module in (
    "catalog",
    "cases",
    "photos",
    "certificates",
    "outlets",
    "appointments",
    "notifications",
    "feedback",
    "insights",
    "rentals",
):
    try:
        importlib.import_module(f"tongban.{_module}.urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"tongban.{_module}.urls":
            raise
        continue
    urlpatterns.append(path(f"{_module}/", include(f"tongban.{_module}.urls")))

urlpatterns += [
    path("accounts/", include("tongban.accounts.urls")),
    path("registry/", include("tongban.registry.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
]
urlpatterns += well_known_urlpatterns
