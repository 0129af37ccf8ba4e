"""The result task delivered again (its worker killed after the issue committed, the task
reclaimed) issues nothing more and ends as done (G8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongban.cases.models import Case
from tongban.cases.services import case_accept, case_submit, case_transition
from tongban.cases.tasks import case_result_task

pytestmark = pytest.mark.django_db


def test_a_redelivered_result_task_issues_the_certificate_once(
    items: None, personas: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Any
) -> None:
    from tongban.certificates.models import Certificate

    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"
    approver = personas.approvers["huzheng"]
    number = case_submit(
        actor=personas.citizen,
        item_code="t_permit",
        form={"months_resident": 12, "basis": "employment", "address": "文三路 1 号"},
        channel="online",
        now=now,
    ).case.number
    case_accept(number=number, actor=approver, now=now, presented=["basis_proof", "photo"])
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(number=number, to="approved", actor=approver, now=now)
    assert Case.objects.get(number=number).status == "completed"
    assert Certificate.objects.filter(case_number=number).count() == 1

    assert case_result_task.call(number) == "not_approved"  # the second delivery
    assert Certificate.objects.filter(case_number=number).count() == 1
