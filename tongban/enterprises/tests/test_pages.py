"""Pages: the enterprise page applies for two vehicles at once, the roadside page answers for a
traffic officer, the liaison page shows the resolved share; in Chinese and English."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongban.enterprises.models import LiaisonRequest, TruckPass
from tongban.enterprises.services import liaison_file, liaison_reply, liaison_resolve


def test_enterprise_page_applies_for_two_vehicles(fleet: Any, api: Any, monkeypatch: Any, now: dt.datetime) -> None:
    monkeypatch.setattr("tongban.enterprises.views.now", lambda: now)
    c = api(fleet.admin)
    page = c.get("/enterprises/")
    assert "测试物流有限公司" in page.content.decode()
    page = c.get(f"/enterprises/e/{fleet.enterprise.uscc}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="plates" value="浙AD0001"' in html and "为选中车辆申请货车通行码" in html
    r = c.post(
        f"/enterprises/e/{fleet.enterprise.uscc}/passes/",
        {"plates": ["浙AD0001", "浙AD0004"], "start_on": "2026-03-11", "days": "30", "area": "城区限行区域"},
        follow=True,
    )
    assert "已提交 2 辆车的通行码申请" in r.content.decode()
    assert sorted(TruckPass.objects.values_list("vehicle__plate", flat=True)) == ["浙AD0001", "浙AD0004"]
    assert "大型货车" in c.get(f"/enterprises/e/{fleet.enterprise.uscc}/").content.decode()
    # A member sees the fleet but no application form.
    html = api(fleet.member).get(f"/enterprises/e/{fleet.enterprise.uscc}/").content.decode()
    assert "浙AD0001" in html and 'name="plates"' not in html


def test_english_page(fleet: Any, api: Any) -> None:
    c = api(fleet.admin)
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = c.get(f"/enterprises/e/{fleet.enterprise.uscc}/").content.decode()
    assert "Apply for truck passes for the selected vehicles" in html
    assert "为选中车辆申请货车通行码" not in html
    # a liaison request's 问题 is its subject (context "liaison"); rentals' 问题 is a question
    assert '<label for="id_subject">Subject</label>' in html
    assert '<button type="submit">Submit application</button>' in html


def test_roadside_page_only_for_traffic_officers(api: Any, personas: Any) -> None:
    assert api(personas.approvers["huzheng"]).get("/enterprises/roadside/").status_code == 403
    page = api(personas.approvers["jiaoguan"]).get("/enterprises/roadside/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "城区限行区道路" in html
    bad = api(personas.approvers["jiaoguan"]).post("/enterprises/roadside/", {"t": "TB1.nonsense", "road": "core"})
    assert 'data-allowed="no"' in bad.content.decode()


def test_liaison_page_shows_resolved_share(fleet: Any, api: Any, personas: Any, now: dt.datetime) -> None:
    officer = personas.approvers["zhian"]
    for i in range(2):
        r = liaison_file(actor=fleet.admin, uscc=fleet.enterprise.uscc, subject=f"问题{i}", body="b", now=now)
        if i == 0:
            liaison_reply(actor=officer, pk=r.pk, reply="ok", now=now)
            liaison_resolve(actor=fleet.admin, pk=r.pk, now=now)
    html = api(officer).get("/enterprises/liaison/").content.decode()
    assert "共受理企业问题 2 件，已解决 1 件，待答复 1 件" in html and "50.0%" in html
    still_open = r.pk
    answer = api(officer).post(f"/enterprises/liaison/{still_open}/reply/", {"reply": "已协调"})
    assert answer.status_code == 302
    assert LiaisonRequest.objects.get(pk=still_open).status == "replied"


def test_a_refused_member_form_says_why_and_keeps_what_was_typed(fleet: Any, api: Any) -> None:
    from tongban.common.ids import make_id_number
    from tongban.enterprises.models import Membership

    c = api(fleet.admin)
    url = f"/enterprises/e/{fleet.enterprise.uscc}/members/"
    before = Membership.objects.count()
    good = make_id_number("330106", dt.date(1988, 2, 3), 77)
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")  # the check digit mistyped
    r = c.post(url, {"id_number": typo, "role": "admin"})
    html = r.content.decode()
    assert r.status_code == 400
    assert '<p class="errorlist" role="alert" id="member-error">身份证号码校验位不正确' in html
    assert f'value="{typo}"' in html and '<option value="admin" selected>' in html
    assert f'action="{url}#member-form"' in html  # the browser comes back to the form, not the top
    r = c.post(url, {"id_number": good, "role": "member"})  # valid, but nobody in the registry
    html = r.content.decode()
    assert r.status_code == 400 and 'id="member-error">共享库中没有此人</p>' in html
    assert f'value="{good}"' in html
    assert Membership.objects.count() == before  # refused: nothing added


def test_a_refused_liaison_request_keeps_its_description(fleet: Any, api: Any) -> None:
    c = api(fleet.admin)
    r = c.post(f"/enterprises/e/{fleet.enterprise.uscc}/liaison/", {"subject": "", "body": "货车夜间进出园区的路线"})
    html = r.content.decode()
    assert r.status_code == 400
    assert 'id="liaison-error">请填写问题和描述</p>' in html
    assert ">货车夜间进出园区的路线</textarea>" in html
    assert not LiaisonRequest.objects.exists()


def test_the_approver_reads_the_pass_facts_by_their_names(
    fleet: Any, api: Any, personas: Any, monkeypatch: Any, now: dt.datetime
) -> None:
    """The facts the service derives for the pass (class, hours, operator) are shown on the case
    page under the certificate's labels, not their code names."""
    monkeypatch.setattr("tongban.enterprises.views.now", lambda: now)
    api(fleet.admin).post(
        f"/enterprises/e/{fleet.enterprise.uscc}/passes/",
        {"plates": ["浙AD0004"], "start_on": "2026-03-11", "days": "30", "area": "城区限行区域"},
    )
    number = TruckPass.objects.get().case_number
    html = api(personas.approvers["jiaoguan"]).get(f"/cases/{number}/").content.decode()
    assert "<dt>车辆类型</dt><dd>大型货车</dd>" in html
    assert "<dt>运输单位</dt><dd>测试物流有限公司</dd>" in html
    for code in ("vehicle_class", "hours", "operator"):
        assert f"<dt>{code}</dt>" not in html


def test_an_optional_material_not_handed_in_is_not_asked_for(
    fleet: Any, api: Any, personas: Any, monkeypatch: Any, now: dt.datetime
) -> None:
    """An enterprise's truck: the citizen's own vehicle record (optional, the enterprise's record
    supplied instead) read 需提交, as if still wanted; it reads 未提交."""
    monkeypatch.setattr("tongban.enterprises.views.now", lambda: now)
    api(fleet.admin).post(
        f"/enterprises/e/{fleet.enterprise.uscc}/passes/",
        {"plates": ["浙AD0004"], "start_on": "2026-03-11", "days": "30", "area": "城区限行区域"},
    )
    number = TruckPass.objects.get().case_number
    for user in (fleet.admin, personas.approvers["jiaoguan"]):
        html = api(user).get(f"/cases/{number}/").content.decode()
        row = html[html.index('data-material="vehicle"') :].split("</tr>")[0]
        assert "未提交" in row and "需提交" not in row
