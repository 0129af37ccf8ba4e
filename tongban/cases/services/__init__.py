"""Case writes, by what they do: ``intake`` (the one intake action, ``case_submit``), ``moves``
(``case_transition`` and the moves built on it), ``results`` (issuing a result), ``sweep``.

Each public service is one transaction with one audit entry per move; side effects (photo-use
records, result issuing) run after commit. Time is a parameter (``now``); the working-day calendar
comes from ``tongban.workdays``. Import the services from here.
"""

from tongban.cases.services.intake import (
    CITIZENS,
    STAFF_SUBMIT,
    Decision,
    Submitted,
    body_hash,
    case_number_allocate,
    case_submit,
)
from tongban.cases.services.moves import (
    case_accept,
    case_material_provide,
    case_refuse,
    case_transition,
)
from tongban.cases.services.results import case_result_issue
from tongban.cases.services.sweep import SweepReport, cases_sweep

__all__ = [
    "CITIZENS",
    "STAFF_SUBMIT",
    "Decision",
    "Submitted",
    "SweepReport",
    "body_hash",
    "case_accept",
    "case_material_provide",
    "case_number_allocate",
    "case_refuse",
    "case_result_issue",
    "case_submit",
    "case_transition",
    "cases_sweep",
]
