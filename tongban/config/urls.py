"""Top-level URLs: pages per module, the API at /api/v1/, docs at /api/docs."""

from __future__ import annotations

import importlib

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from tongban.certificates.urls import well_known_urlpatterns
from tongban.config.api import api
from tongban.web import views as web_views

admin.site.site_header = "通办 tongban 管理"
admin.site.site_title = "通办 tongban"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("tongban.web.urls")),
    path("accounts/", include("tongban.accounts.urls")),
    path("registry/", include("tongban.registry.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("healthz", web_views.healthz),
    path("bench/bare", web_views.bare_json),
]

for _module in ("catalog", "cases", "photos", "certificates", "outlets", "appointments"):
    try:
        importlib.import_module(f"tongban.{_module}.urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"tongban.{_module}.urls":
            raise
        continue
    urlpatterns.append(path(f"{_module}/", include(f"tongban.{_module}.urls")))

urlpatterns += well_known_urlpatterns
