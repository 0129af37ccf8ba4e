"""Template context shared by every page: the role's navigation and the unread message count."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from tongban.common.roles import Role
from tongban.notifications.selectors import unread_count
from tongban.web.nav import nav_for

# The entries depend only on the role (whether the user heads an outlet or department, is a superuser), the
# language of the labels and the URL configuration, so they are worked out once per process for
# each of those (about fifteen reverse() calls saved on every page). Templates only read them.
_NAV: dict[Hashable, list[dict[str, str]]] = {}
# The page header's own links (home, inbox, account, sign in/out, language) likewise, by script
# prefix and URL configuration: five reverse() calls saved on every page.
_LINKS: dict[Hashable, dict[str, str]] = {}
_HEADER = {
    "home": "web:home",
    "inbox": "notifications:inbox",
    "account": "accounts:account",
    "logout": "accounts:logout",
    "login": "accounts:login",
    "register": "accounts:register",
    "set_language": "set_language",
}


def header_links() -> dict[str, str]:
    """The page header's links (base.html), for this request's script prefix and URL configuration."""
    urls = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    links = _LINKS.get(urls)
    if links is None:
        links = _LINKS[urls] = {name: reverse(view) for name, view in _HEADER.items()}
    return links


def site(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    head = bool(getattr(user, "supervisor", False)) if role else False
    # an approver's department admits department entries (roadside checks, dogs): part of the key
    department = getattr(user, "department", "") if role == Role.APPROVER else ""
    # a superuser (any role) is offered the Django admin: part of the key too
    superuser = bool(getattr(user, "is_superuser", False)) and role is not None
    urls = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    key = (role, head, department, superuser, get_language(), *urls)
    nav = _NAV.get(key)
    if nav is None:
        nav = _NAV[key] = nav_for(user)
    links = header_links()
    # Links to what only citizens and enterprises may do (apply online, book a slot) are offered
    # to them and to anonymous visitors (who are asked to log in), never to staff (a 403).
    may_apply = role in (None, Role.CITIZEN, Role.ENTERPRISE)
    context: dict[str, Any] = {"nav": nav, "links": links, "embedded": not settings.PRODUCTION, "may_apply": may_apply}
    if role is not None:
        # read with the session's user in one statement (accounts.selectors.user_by_pk)
        context["unread"] = unread_count(user=user)
    return context
