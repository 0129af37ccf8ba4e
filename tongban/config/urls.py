"""Top-level URLs: pages per module, the API at /api/v1/, docs at /api/docs."""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from tongban.appointments import urls as appointments_urls
from tongban.cases import urls as cases_urls
from tongban.catalog import urls as catalog_urls
from tongban.certificates import urls as certificates_urls
from tongban.certificates.urls import well_known_urlpatterns
from tongban.config.api import api
from tongban.dogs import urls as dogs_urls
from tongban.enterprises import urls as enterprises_urls
from tongban.feedback import urls as feedback_urls
from tongban.insights import urls as insights_urls
from tongban.notifications import urls as notifications_urls
from tongban.outlets import urls as outlets_urls
from tongban.photos import urls as photos_urls
from tongban.rentals import urls as rentals_urls
from tongban.web import views as web_views
from tongban.web.auditlog import urls as audit_urls
from tongban.web.console import urls as console_urls


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


# Django tries these in order, so the busiest come first: the API, the home page and the
# capability modules' pages; the admin, language switch and docs redirect last.
urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", _api_by_module()),
    path("", include("tongban.web.urls")),
    path("healthz", web_views.healthz),
    path("bench/bare", web_views.bare_json),
]

urlpatterns += [
    path("catalog/", include(catalog_urls)),
    path("cases/", include(cases_urls)),
    path("photos/", include(photos_urls)),
    path("certificates/", include(certificates_urls)),
    path("outlets/", include(outlets_urls)),
    path("appointments/", include(appointments_urls)),
    path("notifications/", include(notifications_urls)),
    path("feedback/", include(feedback_urls)),
    path("insights/", include(insights_urls)),
    path("enterprises/", include(enterprises_urls)),
    path("rentals/", include(rentals_urls)),
    path("dogs/", include(dogs_urls)),
    path("console/", include(console_urls)),
    path("audit/", include(audit_urls)),
]
urlpatterns += [
    path("accounts/", include("tongban.accounts.urls")),
    path("registry/", include("tongban.registry.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
]
urlpatterns += well_known_urlpatterns

handler400 = "tongban.web.errors.bad_request"
handler403 = "tongban.web.errors.permission_denied"
handler404 = "tongban.web.errors.page_not_found"
handler500 = "tongban.web.errors.server_error"
