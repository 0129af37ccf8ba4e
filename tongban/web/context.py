"""Template context shared by every page: the role's navigation and the unread message count."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

from tongban.common.roles import Role
from tongban.notifications.selectors import unread_count
from tongban.web.nav import nav_for

# The entries depend only on the role (whether the user heads an outlet or department, is a superuser), the
# language of the labels and the URL configuration, so they are worked out once per process for
# each of those (about fifteen reverse() calls saved on every page). Templates only read them.
_NAV: dict[Hashable, list[dict[str, str]]] = {}


def site(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    head = bool(getattr(user, "supervisor", False)) if role else False
    # an approver's department admits department entries (roadside checks, dogs): part of the key
    department = getattr(user, "department", "") if role == Role.APPROVER else ""
    # a superuser (any role) is offered the Django admin: part of the key too
    superuser = bool(getattr(user, "is_superuser", False)) and role is not None
    key = (
        role,
        head,
        department,
        superuser,
        get_language(),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )
    nav = _NAV.get(key)
    if nav is None:
        nav = _NAV[key] = nav_for(user)
    # Links to what only citizens and enterprises may do (apply online, book a slot) are offered
    # to them and to anonymous visitors (who are asked to log in), never to staff (a 403).
    may_apply = role in (None, Role.CITIZEN, Role.ENTERPRISE)
    context: dict[str, Any] = {"nav": nav, "embedded": not settings.PRODUCTION, "may_apply": may_apply}
    if role is not None:
        # read with the session's user in one statement (accounts.selectors.user_by_pk)
        context["unread"] = unread_count(user=user)
    return context
