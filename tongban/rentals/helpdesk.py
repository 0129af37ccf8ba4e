"""问题帮助: the help articles (data in ``data/help.yaml``) and citizens' questions to a police
station, answered by its 治安 officers (open → answered; the asker is told of the answer).

Each public service is one transaction with one audit row; time is a parameter (``now``).
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.common.access import Viewer, access_filter, access_get
from tongban.common.errors import Conflict, Invalid
from tongban.common.roles import Role
from tongban.notifications.services import notify
from tongban.rentals.models import QuestionState, RentalQuestion
from tongban.rentals.services import _citizen, _officer

HELP_FILE = Path(__file__).with_name("data") / "help.yaml"
QUESTION_MAX = 500
ANSWER_MAX = 1000


@functools.cache
def _articles() -> tuple[dict[str, str], ...]:
    rows = yaml.safe_load(HELP_FILE.read_text(encoding="utf-8")) or []
    keys = ("slug", "title", "title_en", "body", "body_en")
    return tuple({k: str(row[k]).strip() for k in keys} for row in rows)


def help_articles(*, language: str | None = None) -> list[dict[str, str]]:
    """The help articles in the reader's language (English when it starts with "en", else
    Chinese): rows of slug, title, body."""
    en = (language or get_language() or "").startswith("en")
    return [
        {"slug": a["slug"], "title": a["title_en"] if en else a["title"], "body": a["body_en"] if en else a["body"]}
        for a in _articles()
    ]


def stations() -> list[dict[str, Any]]:
    """The police stations a question may go to: rows of id and name."""
    from tongban.outlets.selectors import outlet_rows

    return [{"id": r["id"], "name": r["name"]} for r in outlet_rows(kind="police_station")]


def question_ask(*, asker: Any, station_id: int, text: str, now: dt.datetime) -> RentalQuestion:
    """A real-name citizen asks a police station a question. Raises Forbidden (not a citizen),
    Invalid (station, text)."""
    _citizen(asker)
    text = (text or "").strip()
    if not text or len(text) > QUESTION_MAX:
        raise Invalid(_("请填写问题（不超过 500 字）"), code="text", field="text")
    if station_id not in {s["id"] for s in stations()}:
        raise Invalid(_("请选择派出所"), code="station", field="station_id")
    with transaction.atomic():
        question = RentalQuestion.objects.create(asker=asker, station_id=station_id, text=text, asked_at=now)
        audit_record(
            action="rental_question.ask",
            object_type="rental_question",
            object_id=str(question.pk),
            at=now,
            actor=asker,
            data={"station": station_id},
        )
    return question


def question_answer(*, pk: int, actor: Viewer, answer: str, now: dt.datetime) -> RentalQuestion:
    """A 治安 officer of the station (or one not placed at a station, or an administrator)
    answers an open question; the asker is told. Raises Forbidden, NotFound (not the station's),
    Conflict (already answered), Invalid (no answer)."""
    _officer(actor)
    answer = (answer or "").strip()
    if not answer or len(answer) > ANSWER_MAX:
        raise Invalid(_("请填写答复（不超过 1000 字）"), code="answer", field="answer")
    with transaction.atomic():
        question = access_get(actor, _officer_questions(actor).select_for_update(), write=True, pk=pk)
        if question.state != QuestionState.OPEN:
            raise Conflict(_("该问题已答复"), code="answered")
        question.state, question.answer = QuestionState.ANSWERED, answer
        question.answered_at, question.answered_by = now, actor
        question.save(update_fields=["state", "answer", "answered_at", "answered_by"])
        notify(
            recipient=question.asker,
            kind="rental_answered",
            key=f"rental_answered:{question.pk}",
            params={"station": question.station.name, "question": question.text[:40], "answer": answer},
            at=now,
        )
        audit_record(
            action="rental_question.answer",
            object_type="rental_question",
            object_id=str(pk),
            at=now,
            actor=actor,
        )
    return question


def _officer_questions(user: Any) -> Any:
    qs = RentalQuestion.objects.select_related("station", "asker")
    outlet_id = getattr(user, "outlet_id", None)
    if user.role == Role.APPROVER and outlet_id is not None:
        qs = qs.filter(station_id=outlet_id)
    return qs


def questions_mine(*, user: Any) -> list[RentalQuestion]:
    """The citizen's own questions with their answers, newest first."""
    return list(access_filter(user, RentalQuestion.objects.select_related("station")).filter(asker=user)[:50])


def questions_for_station(*, user: Any, state: str = QuestionState.OPEN) -> list[RentalQuestion]:
    """The questions an officer answers (their station's), oldest first."""
    _officer(user)
    qs = access_filter(user, _officer_questions(user)).filter(state=state)
    return list(qs.order_by("asked_at", "pk")[:50])
