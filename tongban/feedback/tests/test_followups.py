"""差评 follow-ups: opened by every 差评, due 15 working days later on the statutory calendar,
steps in order, owned by the heads of the outlet and department; appeals decided by a supervisor."""

from __future__ import annotations

from typing import Any

import pytest

from tongban.audit.models import AuditEntry
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.feedback.followups import appeal_decide, appeal_file, followup_answer_rate, followup_step, followups_sweep
from tongban.feedback.models import FollowUp, Rating, RatingEvent
from tongban.feedback.services import rating_submit
from tongban.feedback.tests.flows import at, file_online, finish
from tongban.notifications.models import Message

pytestmark = pytest.mark.usefixtures("fig_items")


def bad_rating(personas: Any, day: str = "2026-09-22", level: int = 1) -> Rating:
    number = file_online(personas.citizen, "f_doc", at(day, "09:00"))
    finish(
        number,
        approver=personas.approvers["huzheng"],
        receiver=personas.citizen,
        accepted=at(day, "09:30"),
        decided=at(day, "11:00"),
    )
    return rating_submit(
        case_number=number, rater=personas.citizen, level=level, comment="态度差", now=at("2026-09-23", "10:00")
    )


def test_every_bad_rating_opens_a_followup_due_in_15_working_days_across_the_holidays(personas: Any) -> None:
    r = bad_rating(personas)
    f = FollowUp.objects.get(rating=r)
    # 2026-09-23 + 15 working days: Mid-autumn and National Day (10-01..10-07) do not count, the
    # 调休 Saturday 10-10 does: the last day is 2026-10-21 (15 weekdays would end on 10-14).
    assert f.due_at == at("2026-10-22", "00:00")
    assert (f.state, f.department, f.outlet_id) == ("open", "huzheng", None)
    assert followups_sweep(now=at("2026-10-15", "09:00")) == []
    assert followups_sweep(now=at("2026-10-21", "23:59")) == []
    assert followups_sweep(now=at("2026-10-22", "00:00")) == [f.pk]
    f.refresh_from_db()
    assert f.overdue_flagged_at == at("2026-10-22", "00:00")
    assert followups_sweep(now=at("2026-10-23")) == []  # flagged once
    assert AuditEntry.objects.filter(action="followup.overdue").count() == 1
    assert RatingEvent.objects.filter(rating=r, kind="overdue").count() == 1


def test_a_good_or_fair_rating_opens_nothing(personas: Any) -> None:
    bad_rating(personas, level=3)
    assert not FollowUp.objects.exists()


def test_steps_in_order_by_the_head_and_the_citizen_rates_the_answer(personas: Any, heads: Any) -> None:
    r = bad_rating(personas)
    f = FollowUp.objects.get(rating=r)
    with pytest.raises(NotFound):  # a plain approver of the department is not its head
        followup_step(pk=f.pk, step="contact", actor=personas.approvers["huzheng"], note="x", now=at("2026-09-24"))
    with pytest.raises(NotFound):  # the head of another department
        followup_step(pk=f.pk, step="contact", actor=heads.zhian, note="x", now=at("2026-09-24"))
    with pytest.raises(Forbidden):
        followup_step(pk=f.pk, step="contact", actor=personas.citizen, note="x", now=at("2026-09-24"))
    with pytest.raises(Conflict):
        followup_step(pk=f.pk, step="verify", actor=heads.huzheng, note="x", founded=True, now=at("2026-09-24"))
    with pytest.raises(Invalid):
        followup_step(pk=f.pk, step="contact", actor=heads.huzheng, note=" ", now=at("2026-09-24"))
    followup_step(pk=f.pk, step="contact", actor=heads.huzheng, note="电话回访", now=at("2026-09-24"))
    with pytest.raises(Invalid):
        followup_step(pk=f.pk, step="verify", actor=heads.huzheng, note="查看录像", now=at("2026-09-24"))
    followup_step(pk=f.pk, step="verify", actor=heads.huzheng, note="查看录像", founded=True, now=at("2026-09-25"))
    with pytest.raises(Conflict):  # a founded complaint is rectified before it is answered
        followup_step(pk=f.pk, step="answer", actor=heads.huzheng, note="已处理", now=at("2026-09-28"))
    followup_step(pk=f.pk, step="rectify", actor=heads.huzheng, note="批评教育，优化流程", now=at("2026-09-28"))
    with pytest.raises(Conflict):
        followup_answer_rate(pk=f.pk, rater=personas.citizen, level=5, now=at("2026-09-28"))
    assert not Message.objects.filter(kind="followup_answered").exists()  # no answer, no message
    followup_step(pk=f.pk, step="answer", actor=heads.huzheng, note="已整改，感谢监督", now=at("2026-09-29"))
    told = Message.objects.get(kind="followup_answered")  # the answer is told through the outbox, once
    assert (told.key, told.recipient_id, told.params["case"]) == (str(f.pk), personas.citizen.pk, r.case_number)
    with pytest.raises(NotFound):
        followup_answer_rate(pk=f.pk, rater=personas.other_citizen, level=5, now=at("2026-09-30"))
    followup_answer_rate(pk=f.pk, rater=personas.citizen, level=4, now=at("2026-09-30"))
    f.refresh_from_db()
    assert (f.state, f.founded, f.answer, f.answer_level, f.overdue_flagged_at) == (
        "answered",
        True,
        "已整改，感谢监督",
        4,
        None,
    )
    kinds = list(RatingEvent.objects.filter(rating=r).values_list("kind", flat=True))
    assert kinds == ["rated", "contact", "verify", "rectify", "answer", "answer_rated"]
    actions = set(AuditEntry.objects.filter(object_id=r.case_number).values_list("action", flat=True))
    assert {"followup.contact", "followup.verify", "followup.rectify", "followup.answer"} <= actions
    assert Message.objects.filter(kind="followup_answered").count() == 1


def test_unfounded_complaint_is_answered_without_rectification_and_a_late_answer_is_overdue(
    personas: Any, heads: Any
) -> None:
    f = FollowUp.objects.get(rating=bad_rating(personas))
    followup_step(pk=f.pk, step="contact", actor=heads.huzheng, note="回访", now=at("2026-09-24"))
    followup_step(pk=f.pk, step="verify", actor=heads.huzheng, note="不属实", founded=False, now=at("2026-09-24"))
    with pytest.raises(Conflict):
        followup_step(pk=f.pk, step="rectify", actor=heads.huzheng, note="x", now=at("2026-09-24"))
    followup_step(pk=f.pk, step="answer", actor=heads.huzheng, note="经核实", now=at("2026-10-22", "09:00"))
    f.refresh_from_db()
    assert f.state == "answered" and f.overdue_flagged_at == at("2026-10-22", "09:00")


def test_upheld_appeal_voids_the_rating_and_keeps_it_in_the_audit(personas: Any, heads: Any) -> None:
    r = bad_rating(personas)
    approver = personas.approvers["huzheng"]  # the staff member the rating concerns
    assert r.staff_id == approver.pk
    with pytest.raises(NotFound):  # not concerned and not a head in scope
        appeal_file(rating_id=r.pk, actor=personas.approvers["zhian"], reason="恶意差评", now=at("2026-09-24"))
    appeal_file(rating_id=r.pk, actor=approver, reason="群众对政策不满，非服务问题", now=at("2026-09-24"))
    with pytest.raises(Conflict):
        appeal_file(rating_id=r.pk, actor=heads.huzheng, reason="再次申诉", now=at("2026-09-24"))
    with pytest.raises(Forbidden):  # the outlet head is no reviewer; nor is another department's head
        appeal_decide(rating_id=r.pk, actor=heads.outlet, uphold=True, note="x", now=at("2026-09-25"))
    with pytest.raises(Forbidden):
        appeal_decide(rating_id=r.pk, actor=heads.zhian, uphold=True, note="x", now=at("2026-09-25"))
    appeal_decide(rating_id=r.pk, actor=heads.huzheng, uphold=True, note="经复核属实", now=at("2026-09-25"))
    r.refresh_from_db()
    assert r.voided_at == at("2026-09-25") and r.level == 1 and r.bad
    assert FollowUp.objects.get(rating=r).state == "voided"
    assert followups_sweep(now=at("2026-11-01")) == []  # a voided follow-up is never overdue
    actions = list(AuditEntry.objects.filter(object_id=r.case_number).values_list("action", "data"))
    assert ("rating.create", {"occasion": "completion", "channel": "online", "level": 1, "bad": True, "scheme": 1}) in [
        (a, d) for a, d in actions
    ]
    assert "rating.appeal" in [a for a, _ in actions] and "rating.appeal_upheld" in [a for a, _ in actions]
    with pytest.raises(Conflict):
        appeal_decide(rating_id=r.pk, actor=personas.admin, uphold=False, note="x", now=at("2026-09-26"))


def test_the_filer_cannot_review_their_own_appeal(personas: Any, heads: Any) -> None:
    r = bad_rating(personas)
    appeal_file(rating_id=r.pk, actor=heads.huzheng, reason="恶意差评", now=at("2026-09-24"))
    with pytest.raises(Forbidden):
        appeal_decide(rating_id=r.pk, actor=heads.huzheng, uphold=True, note="x", now=at("2026-09-25"))
    appeal_decide(rating_id=r.pk, actor=personas.admin, uphold=False, note="差评属实", now=at("2026-09-25"))
    r.refresh_from_db()
    assert r.voided_at is None and FollowUp.objects.get(rating=r).state == "open"
