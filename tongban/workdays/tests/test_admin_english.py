"""The holiday upload in the admin reads in English on an English page."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_upload_page_title_in_english(personas: Any, api: Any) -> None:
    client = api(personas.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.get(reverse("admin:workdays_calendaryear_upload"))
    assert r.status_code == 200
    assert "Load a holiday schedule" in r.content.decode()
