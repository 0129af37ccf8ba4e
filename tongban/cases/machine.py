"""The case state machine as data: every allowed move, and which roles may make it.

``SYSTEM`` is the platform itself (the result task, the sweep). A citizen may only act on their
own case and staff only within their scope: ``case_transition`` checks the object level through
``tongban.common.access`` as well as the role here.
"""

from __future__ import annotations

from dataclasses import dataclass

from tongban.cases.models import Status as S
from tongban.common.roles import Role

SYSTEM = "system"
CITIZEN = frozenset({Role.CITIZEN.value, Role.ENTERPRISE.value})
CLERK = Role.CLERK.value
APPROVER = Role.APPROVER.value


@dataclass(frozen=True)
class Move:
    """An allowed transition; ``reason`` says whether a written reason is required."""

    source: S
    target: S
    roles: frozenset[str]
    reason: bool = False


_OPEN_BEFORE_DECISION = (S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT_REQUESTED, S.RESUBMITTED)
_AFTER_ACCEPTANCE = (
    S.ACCEPTED,
    S.IN_REVIEW,
    S.SUPPLEMENT_REQUESTED,
    S.RESUBMITTED,
    S.APPROVED,
    S.RESULT_ISSUED,
    S.COMPLETED,
)

MOVES: tuple[Move, ...] = (
    # The platform (SYSTEM) accepts, reviews and approves a 即办件 whose checks all pass
    # (tongban.cases.outcomes.instant_complete).
    Move(S.SUBMITTED, S.ACCEPTED, frozenset({CLERK, APPROVER, SYSTEM})),
    Move(S.SUBMITTED, S.REFUSED_AT_INTAKE, frozenset({CLERK, APPROVER}), reason=True),
    Move(S.ACCEPTED, S.IN_REVIEW, frozenset({APPROVER, SYSTEM})),
    Move(S.RESUBMITTED, S.IN_REVIEW, frozenset({APPROVER})),
    Move(S.IN_REVIEW, S.SUPPLEMENT_REQUESTED, frozenset({APPROVER}), reason=True),
    Move(S.SUPPLEMENT_REQUESTED, S.RESUBMITTED, CITIZEN | {CLERK}),
    Move(S.IN_REVIEW, S.APPROVED, frozenset({APPROVER, SYSTEM})),
    Move(S.IN_REVIEW, S.DENIED, frozenset({APPROVER}), reason=True),
    Move(S.APPROVED, S.RESULT_ISSUED, frozenset({SYSTEM})),
    Move(S.RESULT_ISSUED, S.COMPLETED, frozenset({SYSTEM, CLERK}) | CITIZEN),
    *(Move(s, S.WITHDRAWN, CITIZEN | {CLERK}) for s in _OPEN_BEFORE_DECISION),
    *(Move(s, S.REVOKED, frozenset({APPROVER}), reason=True) for s in _AFTER_ACCEPTANCE),
)

TABLE: dict[tuple[str, str], Move] = {(m.source.value, m.target.value): m for m in MOVES}

TERMINAL = frozenset({S.REFUSED_AT_INTAKE, S.DENIED, S.COMPLETED, S.WITHDRAWN, S.REVOKED})
#: States whose deadline clock runs (accepted and not yet decided, not waiting for a supplement).
CLOCK_RUNS = frozenset({S.ACCEPTED, S.IN_REVIEW, S.RESUBMITTED})
#: What an approver's queue shows.
QUEUE = (S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW, S.RESUBMITTED)


def move_for(source: str, target: str) -> Move | None:
    """The allowed move from ``source`` to ``target``, or None."""
    return TABLE.get((source, target))


def targets_from(source: str, role: str) -> list[str]:
    """The states ``role`` may move a case in ``source`` to (for buttons and the API)."""
    return [m.target.value for m in MOVES if m.source == source and role in m.roles]
