"""A mistyped ID number on a window capture is told in the reader's language, never as a
"中文 / English" pair."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings

from tongban.photos.models import PhotoCapture

pytestmark = pytest.mark.django_db


def test_a_mistyped_id_number_is_told_in_the_reader_s_language(personas: Any, api: Any) -> None:
    clerk = api(personas.clerk)

    def title() -> str:
        fh = io.BytesIO(b"not looked at: the number is checked first")
        fh.name = "photo.jpg"
        r = clerk.post("/api/v1/photos/captures", {"file": fh, "id_number": "33010619900101"})
        assert r.status_code == 400 and r.json()["code"] == "id_number"
        return str(r.json()["title"])

    assert title() == "身份证号码应为 18 位：17 位数字加 1 位数字或 X"
    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert title() == "An ID number has 18 characters: 17 digits (0–9) and a digit or X"
    assert not PhotoCapture.objects.exists()
