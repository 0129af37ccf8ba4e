"""End to end through the API: an enterprise administrator applies for passes for two vehicles
at once, the traffic police approve one, and a traffic officer checks it on the road at 22:30
and at 05:30 (Shanghai time); liaison requests from filing to the resolved share."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tongban.cases.models import Case
from tongban.certificates.models import Certificate
from tongban.common.clock import SHANGHAI
from tongban.enterprises.models import TruckPass

J = "application/json"


def at_local(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=SHANGHAI)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> Any:
    """Set the time the API reads."""
    state = {"now": now}
    monkeypatch.setattr("tongban.enterprises.api.now", lambda: state["now"])
    monkeypatch.setattr("tongban.cases.tasks.now", lambda: state["now"])  # the result is issued at once
    return state


def test_fleet_passes_and_roadside_check(
    fleet: Any, api: Any, personas: Any, clock: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    from tongban.cases.services import case_accept, case_transition

    admin = api(fleet.admin)
    uscc = fleet.enterprise.uscc
    got = admin.get("/api/v1/enterprises/mine").json()
    assert got == [{"uscc": uscc, "name": "测试物流有限公司", "region_code": "330106", "my_role": "admin"}]
    detail = admin.get(f"/api/v1/enterprises/e/{uscc}").json()
    assert {v["plate"]: (v["length_m"], v["mass_t"]) for v in detail["vehicles"]}["浙AD0001"] == (6.0, 8.0)

    r = admin.post(
        f"/api/v1/enterprises/e/{uscc}/truck-passes",
        json.dumps({"plates": [fleet.large.plate, fleet.van_edge.plate], "start_on": "2026-03-10", "days": 90,
                    "area": "城区限行区域"}),
        content_type=J,
    )  # fmt: skip
    assert r.status_code == 201, r.content
    passes = {p["plate"]: p for p in r.json()}
    assert {p: v["truck_class"] for p, v in passes.items()} == {"浙AD0004": "large", "浙AD0001": "light"}
    assert Case.objects.filter(item_code="truck_pass").count() == 2

    # A member may not apply; an outsider does not see the enterprise.
    r = api(fleet.member).post(
        f"/api/v1/enterprises/e/{uscc}/truck-passes",
        json.dumps({"plates": [fleet.large.plate], "start_on": "2026-03-10", "days": 90, "area": "x"}),
        content_type=J,
    )
    assert r.status_code == 403
    assert api(personas.clerk).get("/api/v1/enterprises/mine").json() == []

    number = passes["浙AD0004"]["case_number"]
    officer = personas.approvers["jiaoguan"]
    case_accept(number=number, actor=officer, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(number=number, to="approved", actor=officer, now=now)
    cert = Certificate.objects.get(case_number=number)
    assert cert.template == "TP"
    assert cert.facts["plate"] == "浙AD0004"
    assert cert.facts["vehicle_class"] == "大型货车"
    assert cert.facts["operator"] == "测试物流有限公司"
    assert "22:30至次日05:30" in cert.facts["hours"]
    # valid for the 90 days chosen from the start date chosen (the last is 2026-06-07), not 90 days
    # from the moment of issue
    assert cert.valid_until == at_local(dt.date(2026, 6, 8), "00:00")

    road = api(officer)
    day = dt.date(2026, 3, 12)

    def check(hhmm: str, road_class: str, token: str = cert.token) -> dict[str, Any]:
        clock["now"] = at_local(day, hhmm)
        r = road.post("/api/v1/enterprises/roadside-check", json.dumps({"token": token, "road": road_class}),
                      content_type=J)  # fmt: skip
        assert r.status_code == 200, r.content
        body: dict[str, Any] = r.json()
        return body

    ok = check("22:30", "core")
    assert (ok["status"], ok["allowed"], ok["rule"], ok["plate"]) == ("genuine", True, "night", "浙AD0004")
    late = check("05:30", "core")
    assert (late["status"], late["allowed"]) == ("genuine", False)
    assert check("05:29", "core")["allowed"] is True
    assert check("12:00", "ring")["allowed"] is True
    link = f"https://example.test/certificates/verify/?t={cert.token}"
    assert check("23:00", "arterial", token=link)["allowed"] is True  # the QR link works too
    bad = check("23:00", "core", token=cert.token[:-4] + "AAAA")
    assert (bad["allowed"], bad["status"] != "genuine") == (False, True)

    # Only traffic officers check passes on the road.
    r = api(personas.approvers["huzheng"]).post(
        "/api/v1/enterprises/roadside-check", json.dumps({"token": cert.token, "road": "core"}), content_type=J
    )
    assert r.status_code == 403
    assert TruckPass.objects.count() == 2


def test_liaison_through_the_api(fleet: Any, api: Any, personas: Any, clock: Any) -> None:
    uscc = fleet.enterprise.uscc
    member, officer = api(fleet.member), api(personas.approvers["zhian"])
    r = member.post(f"/api/v1/enterprises/e/{uscc}/liaison", json.dumps({"subject": "路线", "body": "夜间路线?"}),
                    content_type=J)  # fmt: skip
    assert r.status_code == 201
    pk = r.json()["id"]
    assert (
        api(personas.approvers["huzheng"])
        .post(f"/api/v1/enterprises/liaison/{pk}/reply", json.dumps({"reply": "x"}), content_type=J)
        .status_code
        == 404
    )
    r = officer.post(f"/api/v1/enterprises/liaison/{pk}/reply", json.dumps({"reply": "走绕城"}), content_type=J)
    assert r.json()["status"] == "replied"
    assert member.post(f"/api/v1/enterprises/liaison/{pk}/resolve").json()["status"] == "resolved"
    assert member.post(f"/api/v1/enterprises/liaison/{pk}/reopen").status_code == 409
    listed = officer.get("/api/v1/enterprises/liaison").json()
    assert listed["figures"] == {"total": 1, "resolved": 1, "open": 0, "resolved_share": 100.0}
    assert api(fleet.admin).get("/api/v1/enterprises/liaison").json()["figures"]["total"] == 1
    assert api(personas.other_citizen).get("/api/v1/enterprises/liaison").json()["figures"]["total"] == 1
    assert api(personas.approvers["huzheng"]).get("/api/v1/enterprises/liaison").json()["figures"]["total"] == 0


def test_a_pass_is_valid_for_the_period_chosen(
    fleet: Any, api: Any, personas: Any, clock: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    """A pass starting later is valid until the end of its last day, not for its days from the
    moment of issue; a pass whose period ended before approval is refused with what to do."""
    from tongban.cases.services import case_accept, case_transition
    from tongban.common.errors import Invalid

    admin, officer = api(fleet.admin), personas.approvers["jiaoguan"]

    def apply(start_on: str, days: int) -> str:
        r = admin.post(
            f"/api/v1/enterprises/e/{fleet.enterprise.uscc}/truck-passes",
            json.dumps({"plates": [fleet.large.plate], "start_on": start_on, "days": days, "area": "城区限行区域"}),
            content_type=J,
        )
        assert r.status_code == 201, r.content
        number: str = r.json()[0]["case_number"]
        case_accept(number=number, actor=officer, now=now)
        return number

    later = apply("2026-03-20", 30)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(number=later, to="approved", actor=officer, now=now)
    cert = Certificate.objects.get(case_number=later)
    assert cert.valid_until == at_local(dt.date(2026, 4, 19), "00:00")  # 03-20 … 04-18, both included

    over = apply("2026-01-01", 30)
    with pytest.raises(Invalid) as refused:
        case_transition(number=over, to="approved", actor=officer, now=now)
    assert refused.value.code == "period_over" and "重新选择起始日期" in refused.value.message
    assert not Certificate.objects.filter(case_number=over).exists()
