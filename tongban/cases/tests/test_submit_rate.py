"""Issue 16 finding 9: case submission is rate-limited per account (API and pages together), and
a refused page submission stores no file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongban.cases.models import Case

FORM = {"months_resident": 12, "basis": "employment", "address": "文三路 1 号"}


@pytest.fixture(autouse=True)
def _limit(settings: Any) -> None:
    cache.clear()  # counters are keyed by account id and hour, which other tests reuse
    settings.SUBMIT_RATE_PER_HOUR = 2


def _api_submit(client: Any, key: str) -> Any:
    body = json.dumps({"item_code": "t_permit", "form": FORM})
    return client.post("/api/v1/cases/", data=body, content_type="application/json", headers={"Idempotency-Key": key})


def test_the_third_submission_within_the_hour_is_a_429(items: None, personas: Any, api: Any) -> None:
    client = api(personas.citizen)
    assert [_api_submit(client, k).status_code for k in ("a", "b")] == [201, 201]
    r = _api_submit(client, "c")
    assert r.status_code == 429 and r["Content-Type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "rate_limited" and 0 < body["retry_after"] <= 3600
    assert Case.objects.count() == 2
    # Another account has its own count.
    assert _api_submit(api(personas.other_citizen), "d").status_code == 201


def test_the_page_shares_the_count_and_stores_nothing_when_refused(items: None, personas: Any, api: Any) -> None:
    client = api(personas.citizen)
    assert [_api_submit(client, k).status_code for k in ("a", "b")] == [201, 201]
    html = client.get(reverse("cases:apply", args=["t_permit"])).content.decode()
    token = html.split('name="submit_token" value="', 1)[1].split('"', 1)[0]
    body = {
        "submit_token": token,
        "months_resident": "8",
        "basis": "employment",
        "material_basis_proof": SimpleUploadedFile("contract.pdf", b"%PDF-1.4 test", "application/pdf"),
    }
    r = client.post(reverse("cases:apply", args=["t_permit"]), body)
    assert r.status_code == 400
    assert "提交过于频繁" in r.content.decode()
    assert Case.objects.count() == 2
    assert [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()] == []


def test_a_replayed_key_returns_its_case_without_using_up_the_limit(items: None, personas: Any, api: Any) -> None:
    client = api(personas.citizen)
    first = _api_submit(client, "a")
    assert first.status_code == 201
    replays = [_api_submit(client, "a") for _ in range(3)]
    assert [r.status_code for r in replays] == [200, 200, 200]
    assert {r.json()["number"] for r in replays} == {first.json()["number"]}
    # The limit (2) still has the second submission left, then refuses the third.
    assert _api_submit(client, "b").status_code == 201
    assert _api_submit(client, "c").status_code == 429
    assert Case.objects.count() == 2


def test_a_page_submitted_twice_with_one_token_counts_once(items: None, personas: Any, api: Any) -> None:
    client = api(personas.citizen)
    html = client.get(reverse("cases:apply", args=["t_permit"])).content.decode()
    token = html.split('name="submit_token" value="', 1)[1].split('"', 1)[0]
    body = {"submit_token": token, "months_resident": "12", "basis": "employment", "address": "文三路 1 号"}
    first = client.post(reverse("cases:apply", args=["t_permit"]), body)
    again = client.post(reverse("cases:apply", args=["t_permit"]), body)  # a double click
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert _api_submit(client, "b").status_code == 201  # the second of two
    assert _api_submit(client, "c").status_code == 429
    assert Case.objects.count() == 2
