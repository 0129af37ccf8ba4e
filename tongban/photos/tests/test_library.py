"""The photo library through its front doors: API, pages, services, access and reuse rules."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from PIL import Image

from tongban.audit.models import AuditEntry
from tongban.photos.models import CaptureStatus, PhotoCapture, PhotoDerivative, PhotoUse
from tongban.photos.tests.faces import EXPECTED, FACES, window_portrait

pytestmark = [pytest.mark.django_db, pytest.mark.skipif(not FACES.is_dir(), reason="test faces not available")]

BAD = FACES / "18f_kate_patterned_bg.jpg"


def _upload(client: Any, path: Any, **form: str) -> Any:
    data = path.read_bytes() if hasattr(path, "read_bytes") else path
    fh = io.BytesIO(data)
    fh.name = "photo.jpg"
    return client.post("/api/v1/photos/captures", {"file": fh, **form})


@pytest.fixture
def captured(personas: Any, api: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    client = api(personas.citizen)
    with django_capture_on_commit_callbacks(execute=True):  # derivation runs after commit
        resp = _upload(client, window_portrait())
    assert resp.status_code == 201, resp.content
    again = client.get(f"/api/v1/photos/captures/{resp.json()['id']}")
    return dict(again.json())


def test_citizen_upload_gives_report_and_every_verified_derivative(captured: dict[str, Any], personas: Any) -> None:
    assert captured["status"] == "passed"
    assert captured["report"]["face_count"] == 1
    codes = {d["standard"] for d in captured["derivatives"]}
    assert codes == {
        "id_card",
        "social_security_card",
        "residence_permit",
        "driver_licence",
        "passport",
        "hk_macao_permit",
    }
    assert all(d["verified"] for d in captured["derivatives"])
    assert "居民身份证" in captured["covers"]
    cap = PhotoCapture.objects.get(pk=captured["id"])
    assert cap.person_id == personas.citizen.person_id
    assert cap.id_number == personas.citizen.id_number
    assert AuditEntry.objects.filter(action="photo.capture", object_id=str(cap.pk)).count() == 1
    assert AuditEntry.objects.filter(action="photo.derive", object_id=str(cap.pk)).count() == 1


def test_stored_files_carry_no_exif(personas: Any, api: Any, django_capture_on_commit_callbacks: Any) -> None:
    from tongban.photos.tests.test_intake import exif_bytes, no_metadata, portrait_jpeg

    data = portrait_jpeg(exif=exif_bytes(gps=True))
    with django_capture_on_commit_callbacks(execute=True):
        resp = _upload(api(personas.citizen), data)
    cap = PhotoCapture.objects.get(pk=resp.json()["id"])
    with cap.original.open("rb") as fh:
        no_metadata(fh.read())
    # the portrait is cong_C001080_plain: the ID-card family (the others need room below the chin)
    assert cap.derivatives.count() == len(EXPECTED["cong_C001080_plain.jpg"].derived)
    for der in cap.derivatives.all():
        with der.file.open("rb") as fh:
            no_metadata(fh.read())


def test_get_derivative_for_a_standard(captured: dict[str, Any], personas: Any, api: Any) -> None:
    client = api(personas.citizen)
    resp = client.get(f"/api/v1/photos/captures/{captured['id']}/derivatives/id_card")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "image/jpeg"
    body = b"".join(resp.streaming_content)
    img = Image.open(io.BytesIO(body))
    assert img.size == (358, 441)
    assert img.info.get("dpi") == (350, 350)
    assert 14_000 <= len(body) <= 20_000
    missing = client.get(f"/api/v1/photos/captures/{captured['id']}/derivatives/visa")
    assert missing.status_code == 404


def test_other_citizen_cannot_see_or_fetch(captured: dict[str, Any], personas: Any, api: Any) -> None:
    other = api(personas.other_citizen)
    assert other.get(f"/api/v1/photos/captures/{captured['id']}").status_code == 404
    der_id = captured["derivatives"][0]["id"]
    assert other.get(f"/api/v1/photos/derivatives/{der_id}").status_code == 404
    assert other.get(f"/photos/derivatives/{der_id}/").status_code == 404
    assert other.get(f"/photos/captures/{captured['id']}/original/").status_code == 404
    # the owner and staff can
    assert api(personas.citizen).get(f"/photos/derivatives/{der_id}/").status_code == 200
    assert api(personas.clerk).get(f"/api/v1/photos/captures/{captured['id']}").status_code == 200


def test_citizen_cannot_upload_for_someone_else(personas: Any, api: Any) -> None:
    resp = _upload(api(personas.citizen), window_portrait(), id_number=personas.other_citizen.id_number)
    assert resp.status_code == 403
    assert PhotoCapture.objects.count() == 0


def test_failing_photo_is_stored_with_reasons_and_no_derivatives(
    personas: Any, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        resp = _upload(api(personas.citizen), BAD)
    body = resp.json()
    assert body["status"] == "failed"
    assert body["derivatives"] == []
    failed = {c["key"] for c in body["report"]["components"] if not c["passed"]}
    assert "background_uniformity" in failed


def test_hostile_file_is_recorded_as_refused_not_a_500(personas: Any, api: Any) -> None:
    from tongban.photos.tests.test_intake import png_bomb

    resp = _upload(api(personas.citizen), png_bomb(100_000, 100_000))
    assert resp.status_code == 201
    body = resp.json()
    assert body["status"] == "refused"
    assert body["report"]["error"]["code"] == "too_many_pixels"
    cap = PhotoCapture.objects.get(pk=body["id"])
    assert cap.status == CaptureStatus.REFUSED and not cap.original


def test_standards_are_public_and_carry_sources(api: Any) -> None:
    resp = api(None).get("/api/v1/photos/standards")
    assert resp.status_code == 200
    rows = {r["code"]: r for r in resp.json()}
    assert rows["id_card"]["width_px"] == 358
    assert "GA 461" in rows["id_card"]["sources"]["size_dpi"]


def test_admin_change_to_a_standard_is_used_without_code(
    personas: Any, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tongban.photos.models import PhotoStandardRecord

    row = PhotoStandardRecord.objects.get(code="social_security_card")
    row.kb_max = 25
    row.full_clean()
    row.save()
    with django_capture_on_commit_callbacks(execute=True):
        resp = _upload(api(personas.citizen), window_portrait())
    der = PhotoDerivative.objects.get(capture_id=resp.json()["id"], standard_code="social_security_card")
    assert der.bytes <= 25_000
    assert der.standard["kb"] == [14.0, 25.0]
    row.kb_min = 30
    with pytest.raises(Exception, match="min 30 is above max 25"):
        row.full_clean()


def test_latest_valid_and_validity(captured: dict[str, Any], personas: Any) -> None:
    from tongban.photos.services import photo_latest_valid

    cap = PhotoCapture.objects.get(pk=captured["id"])
    idn = personas.citizen.id_number
    taken = cap.captured_at
    offer = photo_latest_valid(id_number=idn, standard="passport", at=taken + dt.timedelta(days=1))
    assert offer is not None and offer.standard == "passport"
    assert offer.derivative_id == cap.derivatives.get(standard_code="passport").pk
    assert photo_latest_valid(id_number=idn, standard="passport", at=taken + dt.timedelta(days=184)) is None
    assert photo_latest_valid(id_number=idn, standard="passport", at=taken - dt.timedelta(days=1)) is None
    assert (
        photo_latest_valid(
            id_number=personas.other_citizen.id_number, standard="passport", at=taken + dt.timedelta(days=1)
        )
        is None
    )


def test_sixty_plus_rule(personas: Any, django_capture_on_commit_callbacks: Any) -> None:
    from tongban.common.ids import make_id_number
    from tongban.photos.services import photo_capture, photo_latest_valid, photo_use_record

    at = dt.datetime(2021, 3, 1, 2, 0, tzinfo=dt.UTC)
    senior = make_id_number("330106", dt.date(1955, 6, 1), 321)  # 65 in 2021
    younger = make_id_number("330106", dt.date(1970, 6, 1), 322)  # 50
    ids = {}
    for idn in (senior, younger):
        with django_capture_on_commit_callbacks(execute=True):
            cap = photo_capture(data=window_portrait().read_bytes(), id_number=idn, channel="window", at=at)
        ids[idn] = cap
    later = at + dt.timedelta(days=4 * 365)
    # not yet used for an exit-entry or ID-card case: no 60+ reuse
    assert photo_latest_valid(id_number=senior, standard="passport", at=later) is None
    for idn, cap in ids.items():
        der = cap.derivatives.get(standard_code="id_card")
        photo_use_record(derivative_id=der.pk, case_number=f"C-{idn[-4:]}", at=at)
    offer = photo_latest_valid(id_number=senior, standard="passport", at=later)
    assert offer is not None and offer.senior_rule
    assert photo_latest_valid(id_number=younger, standard="passport", at=later) is None
    # the rule reaches 5 years, not more; and it is not a rule of the driving licence
    assert photo_latest_valid(id_number=senior, standard="passport", at=at + dt.timedelta(days=1827)) is None
    assert photo_latest_valid(id_number=senior, standard="driver_licence", at=later) is None


def test_use_record_is_idempotent_and_audited(captured: dict[str, Any]) -> None:
    from tongban.photos.services import photo_use_record

    der_id = captured["derivatives"][0]["id"]
    at = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    photo_use_record(derivative_id=der_id, case_number="HZ-2026-000123", at=at)
    photo_use_record(derivative_id=der_id, case_number="HZ-2026-000123", at=at)
    assert PhotoUse.objects.filter(derivative_id=der_id).count() == 1
    assert AuditEntry.objects.filter(action="photo.use").count() == 1


def test_retake_is_never_offered(captured: dict[str, Any], personas: Any) -> None:
    from tongban.photos.services import photo_latest_valid, photo_review

    cap = PhotoCapture.objects.get(pk=captured["id"])
    at = cap.captured_at + dt.timedelta(hours=1)
    photo_review(capture_id=cap.pk, accept=False, actor=personas.clerk, at=at)
    assert photo_latest_valid(id_number=cap.id_number, standard="id_card", at=at) is None


def test_citizen_page_shows_report_and_id_card_photo(
    personas: Any, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api(personas.citizen)
    page = client.get("/photos/mine/")
    assert page.status_code == 200
    assert "getUserMedia" not in page.content.decode()  # the script is a static file
    assert 'id="camera-start"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/photos/mine/", {"photo": io.BytesIO(window_portrait().read_bytes())})
    assert resp.status_code == 302
    html = client.get(resp["Location"]).content.decode()
    assert "照片合格" in html
    assert 'data-standard="id_card"' in html
    assert "居民身份证" in html


def test_clerk_desk_captures_for_a_person_and_offers_reuse(
    personas: Any, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api(personas.clerk)
    idn = personas.citizen.id_number
    fh = io.BytesIO(window_portrait().read_bytes())
    fh.name = "window.jpg"
    client.post("/photos/desk/", {"id_number": idn})  # look the person up (no ID in any URL)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/photos/desk/", {"photo": fh})
    assert resp.status_code == 302
    assert idn not in resp["Location"]
    page = client.get(resp["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "<rect" in html and "<circle" in html  # face box and landmarks drawn
    assert 'data-standard="passport"' in html
    cap = PhotoCapture.objects.get(id_number=idn)
    assert cap.channel == "window" and cap.outlet_id == personas.clerk.outlet_id
    der = cap.derivatives.get(standard_code="passport")
    client.post(f"/photos/derivatives/{der.pk}/use/", {"case_number": "CZ-2026-000777"})
    assert PhotoUse.objects.filter(derivative=der, case_number="CZ-2026-000777").exists()
    review = client.post(f"/photos/captures/{cap.pk}/review/", {"decision": "accept"})
    assert review.status_code == 302
    cap.refresh_from_db()
    assert cap.review == "accepted"


def test_citizen_cannot_open_the_desk(personas: Any, api: Any) -> None:
    assert api(personas.citizen).get("/photos/desk/").status_code == 403


def test_admin_edits_a_standard_and_a_bad_value_is_refused(personas: Any, api: Any) -> None:
    from tongban.photos.models import PhotoStandardRecord

    client = api(personas.admin)
    row = PhotoStandardRecord.objects.get(code="driver_licence")
    url = f"/admin/photos/photostandardrecord/{row.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = {
        "code": row.code,
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "active": "on",
        "width_px": row.width_px,
        "height_px": row.height_px,
        "dpi": row.dpi,
        "backgrounds": row.backgrounds,
        "background_tolerance": row.background_tolerance,
        "jpeg_quality_min": row.jpeg_quality_min,
        "jpeg_quality_max": row.jpeg_quality_max,
        "kb_min": row.kb_min,
        "kb_max": 28,
        "geometry": json.dumps(row.geometry),
        "validity_days": row.validity_days,
        "senior": "null",
        "sources": json.dumps(row.sources),
    }
    assert client.post(url, form).status_code == 302
    row.refresh_from_db()
    assert row.kb_max == 28
    bad = {**form, "backgrounds": "white"}
    resp = client.post(url, bad)
    assert resp.status_code == 200  # the form comes back with the error
    assert "must be a colour like #FFFFFF" in resp.content.decode()
    row.refresh_from_db()
    assert row.backgrounds == "#FFFFFF"


@pytest.mark.parametrize(
    ("language", "says", "never"),
    [
        ("zh-hans", ["请拍摄包含双肩的照片。"], ["Take a photo"]),
        ("en", ["Take a photo that shows both shoulders."], ["请拍摄"]),
    ],
)
def test_refusal_reasons_are_the_citizens_language_and_never_a_key(
    personas: Any, api: Any, django_capture_on_commit_callbacks: Any, language: str, says: list[str], never: list[str]
) -> None:
    """A photo cut under the chin is refused with what to do, in the page's language only."""
    from tongban.photos.tests.synth import synthetic_bytes

    client = api(personas.citizen)
    client.cookies["django_language"] = language
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/photos/mine/", {"photo": io.BytesIO(synthetic_bytes("synth_b001288_tight"))})
    html = client.get(resp["Location"]).content.decode()
    reasons = html.split('id="photo-reasons"', 1)[1].split("</ul>", 1)[0]
    for text in says:
        assert text in reasons
    for text in never:
        assert text not in reasons
    for key in ("head_height", "background_uniformity", "crown_", "_"):
        assert key not in reasons


def test_standards_that_could_not_be_made_say_why(
    personas: Any, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """cong_C001080_plain gives the ID-card family; the page says why each other one is missing."""
    client = api(personas.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/photos/mine/", {"photo": io.BytesIO((FACES / "cong_C001080_plain.jpg").read_bytes())})
    html = client.get(resp["Location"]).content.decode()
    missing = html.split('id="photo-missing"', 1)[1].split("</ul>", 1)[0]
    assert missing.count("<li>") == 3
    assert "普通护照" in missing and missing.count("请拍摄包含双肩的照片。") == 3


def test_a_failed_photo_after_a_good_one_says_the_good_one_still_serves(
    captured: dict[str, Any], personas: Any, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # the citizen sweep: "照片不合格，请按提示重拍" alone read as if the good photo were lost
    client = api(personas.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/photos/mine/", {"photo": io.BytesIO(BAD.read_bytes())})
    html = client.get(resp["Location"]).content.decode()
    assert "照片不合格" in html
    good = PhotoCapture.objects.get(pk=captured["id"])
    assert '<p class="card" id="photo-kept" role="status">' in html
    assert "拍摄的合格照片不受影响，办事时仍会使用它。" in html
    assert f'<a href="?capture={good.pk}">查看合格照片</a>' in html
    # measured values read as numbers a person can take in, not 33.3035 or 1.0
    assert not re.search(r"<td>\d+\.\d{3,}</td>", html)
    # the good photo's own page has no such note
    assert 'id="photo-kept"' not in client.get(f"/photos/mine/?capture={good.pk}").content.decode()
