"""A code the verification page cannot read: the verdict repeats what a code looks like (TB1…)
and what to do, beside the error, on the page and in the htmx answer, in Chinese and English."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def _verdict(html: str) -> str:
    return html[html.index('<section class="card verdict') : html.index("</section>")]


def test_a_garbage_code_is_told_what_a_code_looks_like(api: Any, settings: Any) -> None:
    settings.CERTIFICATE_VERIFY_AUDIT = "sync"  # audited within the test, not by the batch thread
    client = api(None)
    assert 'id="verify-hint"' not in client.get("/certificates/verify/").content.decode()  # nothing asked yet
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        verdict = _verdict(client.get("/certificates/verify/", {"t": "hello123"}, **headers).content.decode())
        assert 'data-status="malformed"' in verdict and "不是有效的电子证照核验码" in verdict
        assert (
            '<p id="verify-hint">扫描证照上的二维码会直接打开本页；也可以粘贴以 TB1. 开头的核验码。'
            "<br>请核对是否完整复制后再核验。</p>"
        ) in verdict
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    verdict = _verdict(client.get("/certificates/verify/", {"t": "hello123"}).content.decode())
    assert "Not a certificate token" in verdict
    assert "paste the code starting with TB1.<br>Check that it was copied whole, then verify again." in verdict
