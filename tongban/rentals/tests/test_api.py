"""End to end through the API: declare, approve, poster, tenant declares from the token, landlord
confirms, hazard pushed, rectified, reopened, closed, figures; refusals answer problem+json."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from tongban.rentals.models import Tenancy

pytestmark = pytest.mark.django_db
BASE = "/api/v1/rentals"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def _frozen(monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> None:
    import tongban.rentals.api as api_mod
    import tongban.rentals.views as views_mod

    monkeypatch.setattr(api_mod, "now", lambda: now)
    monkeypatch.setattr(views_mod, "now", lambda: now)


@pytest.mark.usefixtures("_frozen")
def test_rental_flow_through_the_api(api: Any, rent: Any, personas: Any) -> None:
    landlord, tenant, officer = api(rent.landlord), api(rent.tenant), api(rent.officer)
    r = post(landlord, f"{BASE}/properties", {"address_id": rent.home_id, "rooms": 2, "capacity": 3})
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    assert r.json()["state"] == "pending" and r.json()["ownership"] == "registry"
    assert rent.landlord.real_name not in r.content.decode()

    assert landlord.get(f"{BASE}/properties/{number}/poster").status_code == 409
    assert post(landlord, f"{BASE}/properties/{number}/review", {"approve": True}).status_code == 403
    assert api(rent.tenant).get(f"{BASE}/properties/{number}").status_code == 404
    r = post(officer, f"{BASE}/properties/{number}/review", {"approve": True})
    assert r.status_code == 200 and r.json()["state"] == "approved"

    pdf = landlord.get(f"{BASE}/properties/{number}/poster")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    token = _token_from_pdf(pdf.content)

    r = post(tenant, f"{BASE}/tenancies", {"token": number, "moved_in_on": "2026-03-01"})
    assert r.status_code == 400 and r.json()["code"] == "bad_token"
    r = post(tenant, f"{BASE}/tenancies", {"token": token, "moved_in_on": "2026-03-01"})
    assert r.status_code == 201, r.content
    tid = r.json()["id"]
    assert r.json()["state"] == "declared"
    assert post(tenant, f"{BASE}/tenancies/{tid}/answer", {"confirm": True}).status_code == 403
    r = post(landlord, f"{BASE}/tenancies/{tid}/answer", {"confirm": True})
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
    assert [t["id"] for t in tenant.get(f"{BASE}/tenancies").json()] == [tid]
    assert [t["id"] for t in api(personas.clerk).get(f"{BASE}/tenancies").json()] == [tid]
    assert api(personas.other_clerk).get(f"{BASE}/tenancies").json() == []

    r = post(officer, f"{BASE}/properties/{number}/hazards", {"kind": "gas", "note": "燃气软管老化", "working_days": 3})
    assert r.status_code == 201 and r.json()["state"] == "open"
    hid = r.json()["id"]
    assert [h["id"] for h in landlord.get(f"{BASE}/hazards").json()] == [hid]
    assert post(landlord, f"{BASE}/hazards/{hid}/rectify", {"note": "已更换软管"}).json()["state"] == "rectified"
    r = post(officer, f"{BASE}/hazards/{hid}/verdict", {"close": False, "note": "未使用合格软管", "working_days": 2})
    assert r.json()["state"] == "open" and r.json()["reopened"] == 1
    post(landlord, f"{BASE}/hazards/{hid}/rectify", {"note": "已更换合格软管"})
    assert post(officer, f"{BASE}/hazards/{hid}/verdict", {"close": True}).json()["state"] == "closed"

    r = post(tenant, f"{BASE}/tenancies/{tid}/move-out", {"moved_out_on": "2026-03-09"})
    assert r.status_code == 200 and r.json()["state"] == "ended"
    figs = officer.get(f"{BASE}/figures").json()
    assert figs == [
        {
            "district_code": "330106",
            "name": "测试区",
            "properties": 1,
            "approved": 1,
            "tenants": 1,
            "tenants_now": 0,
            "hazards": 1,
            "rectified": 1,
            "overdue": 0,
        }
    ]
    assert landlord.get(f"{BASE}/figures").status_code == 403


def _token_from_pdf(pdf: bytes) -> str:
    """Read the QR code back from the rendered poster (as a phone camera would)."""
    import pypdfium2 as pdfium
    import zxingcpp

    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil()
    [code] = zxingcpp.read_barcodes(image)
    assert "/rentals/t/" in code.text
    return code.text.rstrip("/").rsplit("/", 1)[1]


@pytest.mark.usefixtures("_frozen")
def test_scan_page_on_a_phone(api: Any, rent: Any) -> None:
    prop = rent.approved()
    token = rent.token(prop)
    anon = api(None).get(f"/rentals/t/{token}/")
    assert anon.status_code == 302 and "/accounts/login" in anon["Location"]
    page = api(rent.tenant).get(f"/rentals/t/{token}/")
    assert page.status_code == 200 and prop.number in page.content.decode()
    r = api(rent.tenant).post(f"/rentals/t/{token}/", {"moved_in_on": "2026-03-02"})
    assert r.status_code == 302
    assert Tenancy.objects.get().moved_in_on == dt.date(2026, 3, 2)
    bad = api(rent.tenant).get(f"/rentals/t/{prop.number}:forged/")
    assert bad.status_code == 400 and "二维码无效" in bad.content.decode()
    assert api(rent.tenant).post(f"/rentals/t/{prop.number}:forged/", {"moved_in_on": "2026-03-02"}).status_code == 400
    assert Tenancy.objects.count() == 1
