"""The accessibility crawl (issues 15 and 21): axe-core on every page for every role in both
languages, the Django admin included, with 0 critical and 0 serious violations; on a phone
viewport (390 × 844) no horizontal overflow and no tap target under 44 × 44 CSS px (the inline
exception is described in tests/pages/a11y.py).

The pages are the language crawl's (tests/pages/test_language_crawl.py: every URL name that
takes no argument, item guides, a case's pages, a 404) plus, for the administrator, the admin's
index, each app's index and each registered model's list and add form. The whole crawl is slow
(CI runs it); ``test_key_pages`` keeps a handful of pages in the normal suite."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from tests.pages.a11y import DESKTOP, PHONE, axe_problems, phone_problems
from tests.pages.test_language_crawl import ITEMS, LANGS, ROLES, _demo_case, _urls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _admin_urls() -> list[tuple[str, str]]:
    """The admin's index, each app's index, and each registered model's list and add form."""
    pages = [("admin:index", reverse("admin:index"))]
    apps: dict[str, str] = {}
    for model in admin.site._registry:
        meta = model._meta
        apps.setdefault(meta.app_label, reverse("admin:app_list", args=[meta.app_label]))
        for view in ("changelist", "add"):
            name = f"admin:{meta.app_label}_{meta.model_name}_{view}"
            try:
                pages.append((name, reverse(name)))
            except NoReverseMatch:
                continue
    pages += [(f"admin:app_list/{label}", url) for label, url in sorted(apps.items())]
    return sorted(set(pages))


def _apply_urls() -> list[tuple[str, str]]:
    return [(f"cases:apply/{code}", reverse("cases:apply", args=[code])) for code in ITEMS]


def _user(role: str, personas: Any) -> Any:
    return {
        "anon": None,
        "citizen": personas.citizen,
        "clerk": personas.clerk,
        "approver": personas.approvers["zhian"],
        "admin": personas.admin,
    }[role]


def _is_page(client: Client, path: str) -> bool:
    """Whether GET answers with HTML: POST-only endpoints (405 with no body) are not pages."""
    with translation.override(translation.get_language()):  # the request's language stays in it
        response = client.get(path)
    return response.status_code != 405 and "text/html" in response.get("Content-Type", "")


def _login(page: Any, role: str, personas: Any, lang: str, base_url: str) -> Client:
    """The role's session and the language cookie in the browser (no login form per role); the
    same session in a test client."""
    user = _user(role, personas)
    page.context.clear_cookies()
    cookies = [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base_url}]
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang
    if user is not None:
        client.force_login(user)
        session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        cookies.append({"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": base_url})
    page.context.add_cookies(cookies)
    return client


def _check(page: Any, path: str) -> list[str]:
    """axe at the desktop and the phone viewport, and the phone's overflow and tap targets."""
    page.set_viewport_size(DESKTOP)
    response = page.goto(path)
    if response is None or "text/html" not in (response.headers.get("content-type") or ""):
        return []
    if "<html" not in response.text()[:500].lower():
        return []  # an htmx fragment (the nearest-outlets panel): checked inside the pages that hold it
    page.wait_for_load_state("load")
    problems = [f"desktop: {p}" for p in axe_problems(page)]
    page.set_viewport_size(PHONE)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # after resizing
    problems += [f"phone: {p}" for p in axe_problems(page)]
    problems += [f"phone: {p}" for p in phone_problems(page)]
    return problems


def _crawl(page: Any, role: str, lang: str, personas: Any, base_url: str, pages: list[tuple[str, str]]) -> str:
    client = _login(page, role, personas, lang, base_url)
    found: dict[str, list[str]] = {}
    for name, path in pages:
        if not _is_page(client, path):
            continue
        problems = _check(page, path)
        if problems:
            found[f"{name} ({path})"] = problems
    return "\n".join(f"[{role} {lang}] {name}:\n    " + "\n    ".join(p) for name, p in sorted(found.items()))


def _one_per_template(pages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Guide and apply pages of the sample items only: every item renders the same two templates
    (the language crawl reads all of them), and axe on 34 × 2 more pages per role would double
    the crawl's time without reaching new markup."""
    per_item = ("catalog:guide/", "cases:apply/")
    return [(n, p) for n, p in pages if not n.startswith(per_item) or n.split("/", 1)[1] in ITEMS]


@pytest.mark.slow
@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="pages and markup do not depend on the database: the crawl runs once in CI, on SQLite",
)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_accessible(
    role: str, lang: str, browser_page: Any, live_server: Any, personas: Any, settings: Any
) -> None:
    settings.REQUIRE_STAFF_2FA = False
    pages = list(dict(_one_per_template(_urls(_demo_case(personas)) + _apply_urls())).items())
    if role == "admin":
        pages += _admin_urls()
    elif role == "anon":
        pages += [("admin:login", reverse("admin:login"))]
    report = _crawl(browser_page, role, lang, personas, live_server.url, pages)
    assert not report, "accessibility problems:\n" + report


KEY_PAGES = {
    "anon": ["web:home", "accounts:login"],
    "citizen": ["catalog:guide/no_criminal_record", "cases:apply/no_criminal_record", "cases:detail"],
    "clerk": ["web:workbench", "outlets:map"],
    "approver": ["cases:queue"],
    "admin": ["admin:index", "admin:otp_totp_totpdevice_add"],
}


def test_key_pages(browser_page: Any, live_server: Any, personas: Any, settings: Any) -> None:
    """A handful of pages of each role, alternately in Chinese and in English (the normal suite)."""
    settings.REQUIRE_STAFF_2FA = False
    number = _demo_case(personas)
    known = dict(_urls(number)) | dict(_apply_urls()) | dict(_admin_urls())
    reports = []
    for i, (role, names) in enumerate(KEY_PAGES.items()):
        lang = LANGS[i % 2]
        pages = [(name, known[name]) for name in names]
        reports.append(_crawl(browser_page, role, lang, personas, live_server.url, pages))
    report = "\n".join(r for r in reports if r)
    assert not report, "accessibility problems:\n" + report
