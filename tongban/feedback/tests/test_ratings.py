"""Ratings: one per case per occasion (a constraint), online only after completion, the window
tablet bound to one case for a few minutes, the kiosk by ID number, invitations once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.feedback.models import FollowUp, Invitation, Rating, RatingEvent
from tongban.feedback.services import (
    handover_issue,
    invitations_scan,
    invitations_send,
    kiosk_handover,
    rating_submit,
    rating_submit_handed,
)
from tongban.feedback.tests.flows import accept, at, file_online, file_window, finish
from tongban.notifications.kinds import render
from tongban.notifications.models import Delivery, Message

pytestmark = pytest.mark.usefixtures("fig_items")


def finished_online(personas: Any, day: str = "2026-03-02") -> str:
    number = file_online(personas.citizen, "f_doc", at(day, "09:00"))
    finish(
        number,
        approver=personas.approvers["huzheng"],
        receiver=personas.citizen,
        accepted=at(day, "10:00"),
        decided=at(day, "15:00"),
    )
    return number


def test_one_rating_per_case_and_occasion(personas: Any) -> None:
    number = finished_online(personas)
    r = rating_submit(case_number=number, rater=personas.citizen, level=5, now=at("2026-03-03"))
    assert (r.occasion, r.channel, r.level, r.bad, r.scheme_version) == ("completion", "online", 5, False, 1)
    assert r.staff_id == personas.approvers["huzheng"].pk and r.item_code == "f_doc" and r.department == "huzheng"
    assert r.scores == {"overall": 5}
    with pytest.raises(Conflict) as exc:
        rating_submit(case_number=number, rater=personas.citizen, level=1, now=at("2026-03-04"))
    assert exc.value.code == "already_rated"
    assert Rating.objects.filter(case_number=number).count() == 1
    assert not FollowUp.objects.exists()  # the refused second rating left nothing behind
    # the database itself refuses a second row for the same case and occasion
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            case_id=r.case_id,
            case_number=number,
            occasion="completion",
            channel="kiosk",
            scheme_version=1,
            level=3,
            item_code="f_doc",
            item_name="x",
            department="huzheng",
            rated_at=at("2026-03-05"),
        )


def test_a_case_is_rated_at_acceptance_and_again_at_completion(personas: Any) -> None:
    clerk = personas.clerk
    number = file_window(clerk, personas.citizen.id_number, "f_doc", at("2026-03-02", "09:00"))
    accept(number, clerk, at("2026-03-02", "09:10"))
    token = handover_issue(case_number=number, actor=clerk, now=at("2026-03-02", "09:11"))
    first = rating_submit_handed(
        token=token, level=4, scores={"attitude": 5, "efficiency": 4}, now=at("2026-03-02", "09:12")
    )
    assert (first.occasion, first.channel, first.staff_id, first.rater_id) == ("acceptance", "window", clerk.pk, None)
    assert first.scores == {"attitude": 5, "efficiency": 4, "overall": 4}
    assert first.outlet_id == personas.outlet.pk and first.district == "330106"
    with pytest.raises(Conflict):  # the same page cannot rate twice
        rating_submit_handed(token=token, level=1, now=at("2026-03-02", "09:13"))
    with pytest.raises(Conflict):  # nor can the clerk hand it over again for acceptance
        handover_issue(case_number=number, actor=clerk, now=at("2026-03-02", "09:14"))
    approver = personas.approvers["huzheng"]
    from tongban.feedback.tests.flows import approve, complete, issue

    approve(number, approver, at("2026-03-04", "10:00"))
    issue(number, at("2026-03-04", "10:05"))
    complete(number, clerk, at("2026-03-05", "11:00"))
    second = rating_submit(case_number=number, rater=personas.citizen, level=2, now=at("2026-03-06"))
    assert (second.occasion, second.bad) == ("completion", True)
    assert Rating.objects.filter(case_number=number).count() == 2


def test_online_rating_needs_a_finished_own_case(personas: Any) -> None:
    number = file_online(personas.citizen, "f_doc", at("2026-03-02", "09:00"))
    accept(number, personas.approvers["huzheng"], at("2026-03-02", "10:00"))
    with pytest.raises(Conflict) as exc:
        rating_submit(case_number=number, rater=personas.citizen, level=5, now=at("2026-03-03"))
    assert exc.value.code == "not_finished"
    with pytest.raises(NotFound):
        rating_submit(case_number=number, rater=personas.other_citizen, level=5, now=at("2026-03-03"))
    with pytest.raises(Forbidden):
        rating_submit(case_number=number, rater=personas.clerk, level=5, now=at("2026-03-03"))
    done = finished_online(personas)
    with pytest.raises(Invalid):
        rating_submit(case_number=done, rater=personas.citizen, level=6, now=at("2026-03-03"))
    with pytest.raises(Invalid):  # an indicator of the window set is not one of the online set
        rating_submit(case_number=done, rater=personas.citizen, level=5, scores={"attitude": 5}, now=at("2026-03-03"))
    assert not Rating.objects.exists() and not RatingEvent.objects.exists()


def test_handover_expires_and_is_bound_to_its_case(personas: Any) -> None:
    clerk = personas.clerk
    number = file_window(clerk, personas.citizen.id_number, "f_doc", at("2026-03-02", "09:00"))
    accept(number, clerk, at("2026-03-02", "09:10"))
    token = handover_issue(case_number=number, actor=clerk, now=at("2026-03-02", "09:11"))
    with pytest.raises(NotFound) as exc:
        rating_submit_handed(token=token, level=5, now=at("2026-03-02", "09:22"))  # 11 minutes later
    assert exc.value.code == "expired"
    with pytest.raises(NotFound):
        rating_submit_handed(token=token[:-2] + "xx", level=5, now=at("2026-03-02", "09:12"))
    with pytest.raises(NotFound):  # another outlet's clerk cannot hand this case over
        handover_issue(case_number=number, actor=personas.other_clerk, now=at("2026-03-02", "09:12"))
    assert not Rating.objects.exists()


def test_kiosk_needs_the_applicants_id_number(personas: Any) -> None:
    number = finished_online(personas)
    with pytest.raises(NotFound):
        kiosk_handover(case_number=number, id_number=personas.other_citizen.id_number, now=at("2026-03-03"))
    with pytest.raises(NotFound):
        kiosk_handover(case_number="330106-20260302-999999", id_number=personas.citizen.id_number, now=at("2026-03-03"))
    token = kiosk_handover(case_number=number, id_number=personas.citizen.id_number, now=at("2026-03-03"))
    r = rating_submit_handed(token=token, level=3, now=at("2026-03-03", "10:01"))
    assert (r.channel, r.occasion, r.staff_id) == ("kiosk", "completion", personas.approvers["huzheng"].pk)


def test_invitation_after_three_days_once_through_the_outbox(personas: Any) -> None:
    rated = finished_online(personas, "2026-03-02")
    unrated = finished_online(personas, "2026-03-03")
    rating_submit(case_number=rated, rater=personas.citizen, level=5, now=at("2026-03-04"))
    assert invitations_scan(now=at("2026-03-04")) == 2
    assert invitations_send(now=at("2026-03-06", "15:00")) == 0  # not three days yet
    assert not Message.objects.filter(kind="rating_invitation").exists()
    assert invitations_send(now=at("2026-03-06", "16:01")) == 1
    inv = Invitation.objects.get(case_number=unrated)
    assert (inv.delivery, inv.sent_at, inv.user_id) == ("outbox", at("2026-03-06", "16:01"), personas.citizen.pk)
    assert not Invitation.objects.get(case_number=rated).sent_at
    message = Message.objects.get(kind="rating_invitation")
    assert (message.key, message.recipient_id, message.params["case"]) == (unrated, personas.citizen.pk, unrated)
    assert list(Delivery.objects.filter(message=message).values_list("channel", flat=True)) == ["sms"]
    assert invitations_scan(now=at("2026-03-07")) == 2  # the feed is read again (overlap): no new rows
    assert Invitation.objects.count() == 2
    assert invitations_send(now=at("2026-03-09")) == 0  # once: a second tick sends nothing
    assert invitations_send(now=at("2026-03-10")) == 0
    assert Message.objects.filter(kind="rating_invitation").count() == 1  # none for the rated case
    subject, body = render(kind="rating_invitation", params=message.params, language="en")
    assert unrated in body and "rate" in body.lower() and subject.isascii()
    rating_submit(case_number=unrated, rater=personas.citizen, level=4, now=at("2026-03-09"))
    assert Invitation.objects.get(case_number=unrated).dismissed


def test_an_invitation_long_past_due_is_dropped_not_sent(personas: Any) -> None:
    number = finished_online(personas, "2026-03-02")
    assert invitations_scan(now=at("2026-03-04")) == 1
    assert invitations_send(now=at("2026-03-21")) == 0  # due 03-05, the sender was stopped since
    assert Invitation.objects.get(case_number=number).dismissed
    assert not Message.objects.filter(kind="rating_invitation").exists()
