"""Template context shared by every page: the role's navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from tongban.web.nav import nav_for


def site(request: HttpRequest) -> dict[str, Any]:
    return {"nav": nav_for(request.user), "embedded": not settings.PRODUCTION}
