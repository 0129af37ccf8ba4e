"""The capture form's camera buttons look like the site's other buttons, and the camera's refusal
is in the reader's language (camera.js shows the button's data-denied)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def _button(html: str, button_id: str) -> str:
    found = re.search(rf'<button type="button" id="{button_id}"[^>]*>', html)
    assert found, button_id
    return found.group(0)


def test_the_camera_buttons_are_styled_and_speak_the_page_s_language(personas: Any, api: Any) -> None:
    client = api(personas.citizen)
    html = client.get("/photos/mine/").content.decode()
    assert 'class="btn secondary"' in _button(html, "camera-start")  # beside 上传并检查, not a raw button
    assert 'class="btn"' in _button(html, "camera-shoot")
    assert 'data-denied="无法打开摄像头，请改为上传照片"' in _button(html, "camera-start")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/photos/mine/").content.decode()
    assert 'data-denied="The camera could not be opened; upload a photo instead"' in _button(html, "camera-start")
