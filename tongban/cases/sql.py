"""The plain SQL of the case reads (the one place for it in this module; HANDBOOK-dev.md says when
plain SQL is allowed). Each piece names its measured gain and has a test that it answers as the
ORM does (tests/test_sql.py, on SQLite and on PostgreSQL).
"""

from __future__ import annotations

from django.db import connections, router
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from tongban.cases.machine import QUEUE
from tongban.cases.models import Case


def status_in_literal(states: tuple[str, ...]) -> RawSQL:
    """``status IN ('submitted', ...)`` with the statuses written into the SQL, not bound: the ORM's
    ``status__in`` with the statuses as literals.

    Why: the queue is read through the partial index ``case_queue_open`` (open statuses only), and
    PostgreSQL uses a partial index only when it can see that the query's statuses are among the
    index's. With bound values, the generic plan prepared once per connection would scan the
    table, so the server planned the query afresh on every execution (custom plans).
    Measured gain: custom planning was a third of a queue page's database CPU on the 1,000,000-case
    bench (docs/benchmarks.md, "Cases on PostgreSQL"), i.e. 1.5× the queue's database throughput
    with the literals; the approver queue is one of the two hottest pages.

    The statuses are constants of the state machine, checked here (nothing else reaches the SQL)."""
    if not states or any(s not in QUEUE for s in states):
        raise ValueError(f"not queue statuses: {states!r}")
    ops = connections[router.db_for_read(Case)].ops
    column = f"{ops.quote_name(Case._meta.db_table)}.{ops.quote_name('status')}"
    values = ", ".join(f"'{s}'" for s in states)  # lower-case identifiers: nothing to escape
    return RawSQL(f"{column} IN ({values})", (), output_field=BooleanField())  # noqa: S611  (constants checked above)
