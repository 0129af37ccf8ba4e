"""Helpers that drive cases through the real services at chosen instants (tests of ratings and
figures). The result task does not run by itself here (``no_result_task``): a test issues the
result at the time it chooses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tongban.common.access import Viewer
from tongban.common.clock import SHANGHAI

ITEMS = Path(__file__).parent / "items"


def at(day: str, hm: str = "10:00") -> dt.datetime:
    """A Shanghai wall-clock instant: at("2026-03-10", "09:30")."""
    return dt.datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SHANGHAI)


@pytest.fixture
def no_result_task(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def fig_items(db: None, now: dt.datetime, no_result_task: None) -> None:
    """f_doc (5 working days, 一证通办), f_zero (零材料, 2 days), f_paper (a paper to bring)."""
    from tongban.catalog.services import catalog_load
    from tongban.workdays.selectors import calendar_clear_cache

    calendar_clear_cache()
    catalog_load(at=now, directory=ITEMS)


@pytest.fixture
def heads(personas: Any) -> Any:
    """The head of the first outlet (a clerk) and of 户政 (an approver)."""
    from tongban.accounts.models import User

    class Heads:
        outlet = User.objects.create_user(
            username="head-outlet",
            password="pw-staff-123",
            role="clerk",
            real_name="陈所长",
            outlet=personas.outlet,
            supervisor=True,
        )
        huzheng = User.objects.create_user(
            username="head-huzheng",
            password="pw-staff-123",
            role="approver",
            real_name="郑户政",
            department="huzheng",
            supervisor=True,
        )
        zhian = User.objects.create_user(
            username="head-zhian",
            password="pw-staff-123",
            role="approver",
            real_name="孙治安",
            department="zhian",
            supervisor=True,
        )

    return Heads


def file_online(user: Any, item: str, when: dt.datetime, **kw: Any) -> str:
    from tongban.cases.services import case_submit

    return case_submit(actor=user, item_code=item, form={}, channel="online", now=when, **kw).case.number


def file_window(clerk: Any, person_id_number: str, item: str, when: dt.datetime, **kw: Any) -> str:
    from tongban.cases.services import case_submit

    return case_submit(
        actor=clerk, item_code=item, form={}, channel="window", id_number=person_id_number, now=when, **kw
    ).case.number


def accept(number: str, actor: Viewer, when: dt.datetime) -> None:
    from tongban.cases.services import case_accept

    case_accept(number=number, actor=actor, now=when)


def move(number: str, to: str, actor: Viewer, when: dt.datetime, reason: str = "") -> None:
    from tongban.cases.services import case_transition

    case_transition(number=number, to=to, actor=actor, now=when, reason=reason or ("测试" if to != "approved" else ""))


def approve(number: str, approver: Any, when: dt.datetime) -> None:
    move(number, "approved", approver, when)


def issue(number: str, when: dt.datetime) -> None:
    from tongban.cases.services import case_result_issue

    case_result_issue(number=number, now=when)


def complete(number: str, actor: Viewer, when: dt.datetime) -> None:
    move(number, "completed", actor, when)


def finish(number: str, *, approver: Any, receiver: Any, accepted: dt.datetime, decided: dt.datetime) -> None:
    """Accept, approve, issue and hand over (``receiver``: the applicant online, the clerk at a
    window; the same day as the decision, an hour later)."""
    accept(number, approver, accepted)
    approve(number, approver, decided)
    issue(number, decided + dt.timedelta(minutes=5))
    complete(number, receiver, decided + dt.timedelta(hours=1))
