"""One page frame (web/jinja2/web/layout.html) for Django-template pages (through base.html's
{% site_page %}) and Jinja2 pages (the case lists) alike."""

import re
from typing import Any

import pytest

FRAME = ('<a class="skip" href="#main">', '<header class="top">', '<main id="main"', '<footer class="foot">')


def _tokens(html: str) -> set[str]:
    """Every CSRF token the page prints: its forms' hidden inputs and htmx's request header."""
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)) | set(
        re.findall(r'"X-CSRFToken": "([^"]+)"', html)
    )


@pytest.mark.django_db
def test_django_and_jinja2_pages_have_the_same_frame(personas: Any, api: Any) -> None:
    client = api(personas.approvers["huzheng"])
    for path, title in (("/", "首页"), ("/cases/queue/", "审批队列"), ("/catalog/", "办事指南")):
        html = client.get(path).content.decode()
        assert html.startswith("<!doctype html>") and f"<title>{title}" in html, path
        assert all(part in html for part in FRAME), path
        assert f'<a href="{path}" aria-current="page">' in html, path  # the navigation marks this page
        assert 'class="who"' in html and "退出" in html  # who is signed in, and the way out
        # one masked token for the whole page (each masking costs 32 reads of the random source)
        assert len(_tokens(html)) == 1, path


@pytest.mark.django_db
def test_a_jinja2_page_shows_the_flash_messages(personas: Any, api: Any) -> None:
    client = api(personas.approvers["huzheng"])
    answer = client.post("/cases/queue/bulk/", {"to": "approved"}, follow=True)  # nothing ticked
    html = answer.content.decode()
    assert answer.redirect_chain[-1][0] == "/cases/queue/"
    assert '<ul class="messages" role="status">' in html and "请选择办件和操作" in html
    assert "请选择办件和操作" not in client.get("/cases/queue/").content.decode()  # shown once


@pytest.mark.django_db
def test_the_frame_speaks_english(personas: Any, api: Any) -> None:
    client = api(personas.citizen)
    client.cookies["django_language"] = "en"
    for path in ("/", "/cases/mine/"):
        html = client.get(path).content.decode()
        assert 'lang="en"' in html and "Skip to content" in html and "Log out" in html, path
        assert 'value="zh-hans"' in html and "跳到正文" not in html, path


def test_department_work_pages_are_in_the_navigation_of_that_department_only(personas: Any, api: Any) -> None:
    """出租房屋管理 is the 治安 officers' work (others may open it but have nothing to do there);
    养犬管理 likewise; the administrator keeps both."""

    def nav(user: Any) -> str:
        return api(user).get("/").content.decode().split("</nav>")[0]

    zhian, huzheng = personas.approvers["zhian"], personas.approvers["huzheng"]
    assert "/rentals/station/" in nav(zhian) and "/dogs/reports/" in nav(zhian)
    assert "/rentals/station/" not in nav(huzheng) and "/dogs/reports/" not in nav(huzheng)
    assert "/rentals/station/" in nav(personas.admin)
