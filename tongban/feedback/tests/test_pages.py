"""Rating pages through the front door: the citizen's list and form, the desk and the tablet
page, the kiosk, the heads' follow-up pages and the API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tongban.feedback.models import FollowUp, Rating
from tongban.feedback.tests.flows import accept, at, file_online, file_window, finish

pytestmark = pytest.mark.usefixtures("fig_items")


@pytest.fixture
def done(personas: Any) -> str:
    number = file_online(personas.citizen, "f_doc", at("2026-03-02", "09:00"))
    finish(
        number,
        approver=personas.approvers["huzheng"],
        receiver=personas.citizen,
        accepted=at("2026-03-02", "10:00"),
        decided=at("2026-03-03", "15:00"),
    )
    return number


def test_citizen_sees_the_button_and_rates(personas: Any, api: Any, done: str) -> None:
    client = api(personas.citizen)
    page = client.get("/feedback/").content.decode()
    assert f'data-rate="{done}"' in page
    form = client.get(f"/feedback/rate/{done}/").content.decode()
    assert "办事指南精确度" in form and "服务态度" not in form  # the online indicator set
    bad = client.post(f"/feedback/rate/{done}/", {"level": "9"})
    assert bad.status_code == 400 and not Rating.objects.exists()
    r = client.post(f"/feedback/rate/{done}/", {"level": "2", "ind_efficiency": "1", "comment": "等太久"})
    assert r.status_code == 302
    rating = Rating.objects.get()
    assert (rating.level, rating.scores, rating.comment, rating.bad) == (
        2,
        {"efficiency": 1, "overall": 2},
        "等太久",
        True,
    )
    page = client.get("/feedback/").content.decode()
    assert f'data-rate="{done}"' not in page and "已评价" in page
    assert client.post(f"/feedback/rate/{done}/", {"level": "5"}).status_code == 400  # once
    assert api(personas.other_citizen).get(f"/feedback/rate/{done}/").status_code == 404


def test_clerk_hands_the_tablet_over(personas: Any, api: Any) -> None:
    clerk = personas.clerk
    number = file_window(clerk, personas.citizen.id_number, "f_doc", at("2026-03-02", "09:00"))
    accept(number, clerk, at("2026-03-02", "09:05"))
    client = api(clerk)
    desk = client.get("/feedback/desk/").content.decode()
    assert f'data-handover="{number}"' in desk
    r = client.post("/feedback/desk/", {"case_number": number}, follow=False)
    assert r.status_code == 302 and "/feedback/tablet/" in r["Location"]
    tablet = api(None).get(r["Location"])  # the tablet needs no login
    html = tablet.content.decode()
    assert tablet.status_code == 200 and "服务态度" in html and personas.citizen.id_number not in html
    assert 'class="top"' not in html  # no site navigation on the tablet
    done = api(None).post(r["Location"], {"level": "5", "ind_attitude": "5"})
    assert done.status_code == 200 and "感谢您的评价" in done.content.decode()
    rating = Rating.objects.get()
    assert (rating.channel, rating.occasion, rating.staff_id) == ("window", "acceptance", clerk.pk)
    assert api(personas.other_clerk).post("/feedback/desk/", {"case_number": number}).status_code == 400
    assert api(None).get("/feedback/tablet/forged-token/").status_code == 410


def test_kiosk_identifies_by_id_number_and_throttles(personas: Any, api: Any, done: str) -> None:
    client = api(None)
    wrong = client.post("/feedback/kiosk/", {"id_number": personas.other_citizen.id_number, "case_number": done})
    assert wrong.status_code == 400 and not Rating.objects.exists()
    ok = client.post("/feedback/kiosk/", {"id_number": personas.citizen.id_number, "case_number": done})
    assert ok.status_code == 302
    assert client.post(ok["Location"], {"level": "4"}).status_code == 200
    assert Rating.objects.get().channel == "kiosk"
    for _ in range(10):
        client.post("/feedback/kiosk/", {"id_number": personas.other_citizen.id_number, "case_number": done})
    blocked = client.post("/feedback/kiosk/", {"id_number": personas.citizen.id_number, "case_number": done})
    assert blocked.status_code == 429


def test_followup_pages_for_the_head_and_the_answer_for_the_citizen(
    personas: Any, heads: Any, api: Any, done: str
) -> None:
    from tongban.feedback.services import rating_submit

    rating_submit(case_number=done, rater=personas.citizen, level=1, comment="态度差", now=at("2026-03-04"))
    f = FollowUp.objects.get()
    head = api(heads.huzheng)
    listing = head.get("/feedback/followups/").content.decode()
    assert f'data-followup="{f.pk}"' in listing
    plain = api(personas.approvers["huzheng"])
    assert f'data-followup="{f.pk}"' not in plain.get("/feedback/followups/").content.decode()
    assert plain.get(f"/feedback/followups/{f.pk}/").status_code == 404
    assert api(personas.citizen).get("/feedback/followups/").status_code == 404
    for step, extra in (("contact", {}), ("verify", {"founded": "yes"}), ("rectify", {}), ("answer", {})):
        r = head.post(f"/feedback/followups/{f.pk}/step/", {"step": step, "note": f"{step} 说明", **extra})
        assert r.status_code == 302, r.content
    f.refresh_from_db()
    assert f.state == "answered"
    citizen = api(personas.citizen)
    mine = citizen.get("/feedback/").content.decode()
    assert "answer 说明" in mine
    assert citizen.post(f"/feedback/followups/{f.pk}/answer-rating/", {"level": "4"}).status_code == 302
    f.refresh_from_db()
    assert f.answer_level == 4


def test_api_rating_and_appeal(personas: Any, heads: Any, api: Any, done: str) -> None:
    client = api(personas.citizen)
    r = client.post(
        "/api/v1/feedback/ratings",
        data=json.dumps({"case_number": done, "level": 1, "comment": "不满意"}),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["bad"] is True
    again = client.post(
        "/api/v1/feedback/ratings", data=json.dumps({"case_number": done, "level": 5}), content_type="application/json"
    )
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    rid = r.json()["id"]
    staff = api(personas.approvers["huzheng"])
    filed = staff.post(
        f"/api/v1/feedback/ratings/{rid}/appeal", data=json.dumps({"reason": "恶意"}), content_type="application/json"
    )
    assert filed.status_code == 201
    decided = api(heads.huzheng).post(
        f"/api/v1/feedback/ratings/{rid}/appeal/decision",
        data=json.dumps({"uphold": True, "note": "属实"}),
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["state"] == "upheld"
    mine = client.get("/api/v1/feedback/ratings/mine").json()
    assert mine[0]["voided"] is True and mine[0]["followup_state"] == "voided"


def test_the_rating_form_names_the_item_in_english_on_an_english_page(personas: Any, api: Any, done: str) -> None:
    from tests.pages.crawl import english_violations

    client = api(personas.citizen)
    client.cookies["django_language"] = "en"
    form = client.get(f"/feedback/rate/{done}/").content.decode()
    assert "<strong>Figures test document</strong>" in form
    assert english_violations(form) == []
