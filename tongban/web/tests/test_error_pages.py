"""Error pages in the site's layout and the reader's language (issue 21)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from tongban.common.errors import TooMany

pytestmark = pytest.mark.django_db


def _client(lang: str) -> Client:
    client = Client()
    client.cookies["django_language"] = lang
    return client


@pytest.mark.parametrize(
    ("lang", "html_lang", "heading", "link"),
    [
        ("zh-hans", 'lang="zh-CN"', "找不到此页面", "查找办事指南"),
        ("en", 'lang="en"', "Page not found", "Find a service guide"),
    ],
)
def test_a_404_is_in_the_layout_and_the_readers_language(lang: str, html_lang: str, heading: str, link: str) -> None:
    r = _client(lang).get("/no-such-page/")
    body = r.content.decode()
    assert r.status_code == 404
    assert html_lang in body and heading in body and link in body
    assert 'class="top"' in body and reverse("web:home") in body  # the site's header, a way back
    assert "Not Found" not in body


def test_an_unknown_item_guide_is_the_same_404() -> None:
    r = _client("en").get(reverse("catalog:guide", args=["no_such_item"]))
    assert r.status_code == 404 and "Page not found" in r.content.decode()


def test_a_403_tells_staff_where_to_go(personas: Any) -> None:
    client = _client("zh-hans")
    client.force_login(personas.clerk)
    r = client.get(reverse("cases:apply", args=["no_criminal_record"]))
    body = r.content.decode()
    assert r.status_code == 403
    assert "没有权限访问此页面" in body and "返回首页" in body and "403 Forbidden" not in body


def test_an_anonymous_403_offers_the_login(personas: Any) -> None:
    # an anonymous visitor on a page that refuses by role (not a login redirect)
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    from tongban.web.errors import permission_denied

    request = RequestFactory().get("/x/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    r = permission_denied(request, PermissionDenied())
    assert r.status_code == 403 and "/accounts/login/?next=/x/" in r.content.decode()


def test_the_guide_offers_online_application_only_to_who_may_use_it(personas: Any) -> None:
    url = reverse("catalog:guide", args=["no_criminal_record"])
    apply = reverse("cases:apply", args=["no_criminal_record"])
    citizen, clerk = _client("zh-hans"), _client("zh-hans")
    citizen.force_login(personas.citizen)
    clerk.force_login(personas.clerk)
    assert apply in citizen.get(url).content.decode()
    assert apply in _client("zh-hans").get(url).content.decode()  # anonymous: asked to log in there
    assert apply not in clerk.get(url).content.decode()


def test_a_refusal_for_too_many_requests_is_a_429_page(personas: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tongban.catalog import views

    def boom(**kwargs: Any) -> None:
        raise TooMany("x", retry_after=120)

    monkeypatch.setattr(views, "items_list", boom)
    r = _client("en").get(reverse("catalog:list"))
    body = r.content.decode()
    assert r.status_code == 429 and r["Retry-After"] == "120"
    assert "Too many requests" in body and "Try again in about 2 minutes." in body


def test_a_400_page() -> None:
    from django.test import RequestFactory

    from tongban.web.errors import bad_request

    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        r = bad_request(request)
    assert r.status_code == 400 and "请求无法处理" in r.content.decode()


@override_settings(DEBUG=False)
def test_a_500_page_in_the_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    from tongban.catalog import views

    def boom(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "items_list", boom)
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    r = client.get(reverse("catalog:list"))
    body = r.content.decode()
    assert r.status_code == 500 and "Something went wrong" in body and "Find the nearest window" in body


def test_a_500_page_renders_even_when_the_context_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from tongban.web import context, errors

    def broken(request: Any) -> Any:
        raise RuntimeError("database down")

    monkeypatch.setattr(context, "nav_for", broken)
    context._NAV.clear()
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        r = errors.server_error(request)
    assert r.status_code == 500 and "系统出错了" in r.content.decode()
