"""The lean locale middleware negotiates like Django's: cookie, then Accept-Language, then default."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("cookie", "accept", "language", "skip_link"),
    [
        (None, "", "zh-hans", "跳到正文"),
        (None, "en-US,en;q=0.9", "en", "Skip to content"),
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh-hans", "跳到正文"),
        (None, "fr-FR, de;q=0.5", "zh-hans", "跳到正文"),
        (None, "xx-\x00;q=abc,,;", "zh-hans", "跳到正文"),
        ("en", "zh-CN", "en", "Skip to content"),
        ("zh-hans", "en", "zh-hans", "跳到正文"),
        ("klingon", "en", "en", "Skip to content"),
    ],
)
def test_language_negotiation(cookie: str | None, accept: str, language: str, skip_link: str) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=accept)
    if cookie is not None:
        client.cookies["django_language"] = cookie
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]
    assert skip_link in response.content.decode()
