"""问题帮助: the help articles in the reader's language, and a question in each state (open →
answered), answered by the station's officer, the asker told."""

from __future__ import annotations

from typing import Any

import pytest

from tongban.audit.models import AuditEntry
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.notifications.models import Message
from tongban.rentals.helpdesk import (
    help_articles,
    question_answer,
    question_ask,
    questions_for_station,
    questions_mine,
)
from tongban.rentals.models import QuestionState

pytestmark = pytest.mark.django_db


def test_help_articles_in_the_readers_language() -> None:
    zh, en = help_articles(language="zh-hans"), help_articles(language="en")
    assert len(zh) == len(en) >= 4
    assert zh[0]["title"] == "如何申报出租房屋？" and en[0]["title"] == "How do I declare a rental property?"
    assert all(a["body"] and not any("\u4e00" <= c <= "\u9fff" for c in a["title"] + a["body"]) for a in en)


def test_help_page_is_public_in_both_languages(client: Any) -> None:
    assert "如何申报出租房屋" in client.get("/rentals/help/").content.decode()
    r = client.get("/rentals/help/", HTTP_ACCEPT_LANGUAGE="en")
    assert "How do I declare a rental property?" in r.content.decode()


def test_a_question_is_open_then_answered_and_the_asker_told(rent: Any, personas: Any) -> None:
    with pytest.raises(Invalid):
        question_ask(asker=rent.tenant, station_id=personas.outlet.pk, text="", now=rent.now)
    with pytest.raises(Invalid):
        question_ask(asker=rent.tenant, station_id=999999, text="问题", now=rent.now)
    with pytest.raises(Forbidden):
        question_ask(asker=rent.officer, station_id=personas.outlet.pk, text="问题", now=rent.now)
    q = question_ask(asker=rent.tenant, station_id=personas.outlet.pk, text="搬离后还要申报吗？", now=rent.now)
    assert q.state == QuestionState.OPEN
    assert [x.pk for x in questions_mine(user=rent.tenant)] == [q.pk]
    assert questions_mine(user=rent.landlord) == []
    assert [x.pk for x in questions_for_station(user=rent.officer)] == [q.pk]
    with pytest.raises(Forbidden):
        question_answer(pk=q.pk, actor=personas.approvers["huzheng"], answer="x", now=rent.now)
    with pytest.raises(Forbidden):
        question_answer(pk=q.pk, actor=rent.landlord, answer="x", now=rent.now)
    with pytest.raises(Invalid):
        question_answer(pk=q.pk, actor=rent.officer, answer=" ", now=rent.now)
    assert not Message.objects.filter(kind="rental_answered").exists()
    q = question_answer(pk=q.pk, actor=rent.officer, answer="需要，在“我的租房记录”中申报搬离。", now=rent.now)
    assert q.state == QuestionState.ANSWERED and q.answered_by == rent.officer and q.answered_at == rent.now
    assert list(Message.objects.filter(kind="rental_answered").values_list("recipient_id", flat=True)) == [
        rent.tenant.pk
    ]
    with pytest.raises(Conflict):
        question_answer(pk=q.pk, actor=rent.officer, answer="again", now=rent.now)
    assert Message.objects.filter(kind="rental_answered").count() == 1
    assert questions_for_station(user=rent.officer) == []
    actions = sorted(AuditEntry.objects.filter(object_type="rental_question").values_list("action", flat=True))
    assert actions == ["rental_question.answer", "rental_question.ask"]


def test_a_station_answers_only_its_own_questions(rent: Any, personas: Any) -> None:
    q = question_ask(asker=rent.tenant, station_id=personas.outlet.pk, text="问题", now=rent.now)
    placed = rent.officer
    placed.outlet = personas.other_outlet
    placed.save(update_fields=["outlet"])
    assert questions_for_station(user=placed) == []
    with pytest.raises(NotFound):
        question_answer(pk=q.pk, actor=placed, answer="x", now=rent.now)


def test_question_pages(rent: Any, personas: Any, api: Any) -> None:
    tenant = api(rent.tenant)
    assert tenant.get("/rentals/questions/").status_code == 200
    r = tenant.post("/rentals/questions/", {"station_id": personas.outlet.pk, "text": "房东不确认怎么办？"})
    assert r.status_code == 302
    [q] = questions_mine(user=rent.tenant)
    officer = api(rent.officer)
    assert "房东不确认怎么办" in officer.get("/rentals/answers/").content.decode()
    assert officer.post(f"/rentals/answers/{q.pk}/", {"answer": "请联系社区民警。"}).status_code == 302
    page = tenant.get("/rentals/questions/").content.decode()
    assert "请联系社区民警。" in page and 'data-state="answered"' in page
    assert api(rent.landlord).post(f"/rentals/answers/{q.pk}/", {"answer": "x"}).status_code == 403
