"""Template context shared by every page: the role's navigation and the unread message count, and
what the page frame (web/jinja2/web/layout.html) prints around a page."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import Context
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from tongban.common.roles import Role
from tongban.notifications.selectors import unread_count
from tongban.web.nav import nav_for
from tongban.web.templatetags.site_tags import role_label, zh_mark

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


def page_chrome(request: HttpRequest | None, shared: Mapping[str, Any] | Context, csrf_token: Any) -> dict[str, Any]:
    """What the page frame prints around a page: the header's links, the role's navigation and
    unread count (``shared``: what ``site`` gives), who is signed in, the language switch, the
    flash messages and the page's CSRF token. ``request`` is None on the error page that is
    printed without the request context (web.errors): then only the links are known."""
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return {
        "links": shared["links"],
        "nav": shared.get("nav", ()),
        "unread": shared.get("unread"),
        "embedded": shared.get("embedded", not settings.PRODUCTION),
        "messages": shared.get("messages", ()),
        "path": request.path if request is not None else "",
        "next": request.get_full_path() if request is not None else "",
        "english": get_language() == "en",
        "signed_in": signed_in,
        "who": zh_mark(user) if signed_in else "",
        "role_title": (user.head_title or role_label(user.role)) if signed_in else "",  # type: ignore[union-attr]
        "csrf_token": csrf_token or "",
    }


def jinja_page(request: HttpRequest) -> dict[str, Any]:
    """The Jinja2 engine's context processor (settings.TEMPLATES): a page rendered with its
    request gets the frame's context, with one masked CSRF token for all its forms (the
    engine's own ``csrf_token`` masks the token anew wherever it is printed)."""
    shared = site(request)
    shared["messages"] = get_messages(request)
    return page_chrome(request, shared, get_token(request))
