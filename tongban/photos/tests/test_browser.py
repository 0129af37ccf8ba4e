"""Browser tests (Playwright, Debian's Chromium): the citizen uploads a head-and-shoulders portrait
and sees the report and the derived ID-card photo; a clerk then accepts a passport case for that
citizen and the photo library supplies the passport photo — no new capture. On the window camera
page the face box and landmarks are drawn on the face."""

from __future__ import annotations

from typing import Any

import pytest

from tongban.photos.tests.faces import FACES, window_portrait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not FACES.is_dir(), reason="test faces not available"),
]


def login(page: Any, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


def test_citizen_uploads_clerk_reuses_for_passport(browser_page: Any, personas: Any) -> None:
    from tongban.photos.models import PhotoCapture, PhotoUse

    page = browser_page
    citizen = personas.citizen

    # 1. The citizen uploads a portrait and sees the report and the ID-card photo at once.
    login(page, citizen.username, "pw-citizen-123")
    page.goto("/photos/mine/")
    page.set_input_files("#photo-file", str(window_portrait()))
    # the upload is checked, stored and derived before the redirect (slow on a busy machine)
    with page.expect_navigation(timeout=120_000):
        page.click("#photo-form button[type=submit]", no_wait_after=True)
    page.wait_for_selector(".photo-report")
    assert "照片合格" in page.inner_text(".photo-report")
    id_photo = page.locator('img[data-standard="id_card"]')
    assert id_photo.count() == 1
    assert page.evaluate("(img) => img.naturalWidth", id_photo.element_handle()) == 358
    assert "居民身份证" in page.inner_text("#covers-h + ul")
    captures = PhotoCapture.objects.filter(id_number=citizen.id_number)
    assert captures.count() == 1

    # 2. A clerk accepts a passport case: the photo material comes from the library.
    login(page, personas.clerk.username, "pw-staff-123")
    page.goto("/workbench/")
    page.fill("#id_id_number", citizen.id_number)
    page.click("main form button[type=submit]")
    page.wait_for_selector("#pick-item")
    page.select_option("#pick-item", "passport")
    page.click("#pick-submit")  # the picker sends nothing on change (POST: no ID in the URL)
    page.wait_for_selector("#intake-form")
    photo = page.locator('[data-material="photo"]')
    assert photo.get_attribute("data-state") == "photo"
    page.select_option("select[name=reason]", "first")
    page.select_option("select[name=collect_method]", "window")
    with page.expect_navigation(timeout=60_000):
        page.click("#do-accept", no_wait_after=True)
    page.wait_for_selector("#receipt-number")
    number = page.inner_text("#receipt-number").strip()

    # no new capture; the use is recorded against the passport derivative
    assert captures.count() == 1
    use = PhotoUse.objects.get(case_number=number)
    assert use.derivative.standard_code == "passport"
    assert use.derivative.capture_id == captures.get().pk


def test_phone_camera_capture_reaches_the_report(live_server: Any, personas: Any) -> None:
    """getUserMedia with Chromium's fake camera (a test pattern, no face): the frame is taken
    through the oval-guide page, posted like an upload and answered with a report."""
    import os
    import shutil

    from playwright.sync_api import sync_playwright

    from tongban.photos.models import PhotoCapture

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    exe = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=exe,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
            ],
        )
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", permissions=["camera"])
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            login(page, personas.citizen.username, "pw-citizen-123")
            page.goto("/photos/mine/")
            page.click("#camera-start")
            page.wait_for_selector("#camera:not([hidden])")
            assert page.locator(".oval-guide ellipse").count() == 1
            page.wait_for_function("() => document.getElementById('camera-video').videoWidth > 0")
            with page.expect_navigation(timeout=120_000):
                page.click("#camera-shoot", no_wait_after=True)
            page.wait_for_selector(".photo-report")
            text = page.inner_text(".photo-report")
        finally:
            context.close()
            browser.close()
    cap = PhotoCapture.objects.get(id_number=personas.citizen.id_number)
    assert cap.channel == "citizen_camera"
    # the fake camera shows a test pattern: the report says what to fix, in Chinese
    assert cap.status == "failed"
    assert "画面中必须有且只有一张人脸" in text


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_window_camera_page_draws_the_face_where_it_is(
    live_server: Any, personas: Any, width: int, height: int
) -> None:
    """The clerk photographs a person at the window (here: uploads for them); the report draws
    the face box and the landmarks over the photo. The drawn box sits where the report's box is
    on the displayed image, and it contains every drawn landmark."""
    import os
    import shutil

    from playwright.sync_api import sync_playwright

    from tongban.photos.models import PhotoCapture

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    exe = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": width, "height": height}
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            login(page, personas.clerk.username, "pw-staff-123")
            page.goto("/photos/desk/")
            page.fill("#id_number", personas.citizen.id_number)
            page.click("main form[role=search] button[type=submit]")
            page.wait_for_selector("#photo-form")
            page.set_input_files("#photo-file", str(FACES / "cong_C001080_plain.jpg"))
            with page.expect_navigation(timeout=120_000):
                page.click("#photo-form button[type=submit]", no_wait_after=True)
            page.wait_for_selector(".photo-overlay rect")
            page.wait_for_function("document.querySelector('.photo-frame img').complete")
            page.screenshot(path=f"/tmp/photos_desk_{width}.png", full_page=True)
            img = page.locator(".photo-frame img").bounding_box()
            rect = page.locator(".photo-overlay rect").first.bounding_box()
            dots = [c.bounding_box() for c in page.locator(".photo-overlay circle").all()]
        finally:
            context.close()
            browser.close()
    rep = PhotoCapture.objects.get(id_number=personas.citizen.id_number).report
    face = rep["faces"][0]
    assert img is not None and rect is not None and len(dots) == len(face["landmarks"]) == 4
    k = img["width"] / rep["width"]
    x0, y0, x1, y1 = face["box"]
    # where the report's box is on the displayed photo (the stroke straddles the edge: ±2 px)
    assert abs(rect["x"] - (img["x"] + x0 * k)) <= 2 and abs(rect["y"] - (img["y"] + y0 * k)) <= 2
    assert abs(rect["x"] + rect["width"] - (img["x"] + x1 * k)) <= 2
    assert abs(rect["y"] + rect["height"] - (img["y"] + y1 * k)) <= 2
    for dot, (lx, ly) in zip(dots, face["landmarks"].values(), strict=True):
        assert dot is not None
        cx, cy = dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2
        assert rect["x"] <= cx <= rect["x"] + rect["width"] and rect["y"] <= cy <= rect["y"] + rect["height"]
        assert abs(cx - (img["x"] + lx * k)) <= 2 and abs(cy - (img["y"] + ly * k)) <= 2
