"""The plain SQL the cases module keeps, each statement beside the ORM code it stands for.

Plain SQL is allowed here only where it is measured to pay (HANDBOOK-dev.md, docs/adr/0010), and
every statement has a test that it gives what its ORM twin gives (tongban/cases/tests/test_sql.py).

The case-number counter. Every submission of a scope (region + local date) increments one row.
``counter_next`` does it in one autocommitted statement (``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING``) whose commit does not wait for the WAL flush, so the row all submitters of a scope
share is locked for that statement only. ``counter_next_orm`` is the same in the ORM: a
transaction of three statements (create the row if missing, increment, read back) and a flushed
commit, holding the row lock across three round trips and the flush.

Measured (PostgreSQL, this 2-core machine shared with other jobs, 2026-12-07,
``bench/counter_timing.py --n 2000 --threads 4``, two runs): SQL 2.4-2.7 ms a number on one
connection and 720-1,090 numbers/s from 4 threads on one scope; ORM 17.5-24 ms and 47-49/s (its
commit waits for the WAL flush while it holds the row). The counter row is the one write every
submitter of a scope serialises on, so this is the ceiling on submissions per region and day:
at about 50/s the ORM twin would cap a region far below the submit floor (about 320/s,
docs/adr/0010).

The queue statuses as literals (``status_in_literal``): see its docstring for the measured gain.
"""

from __future__ import annotations

from django.db import connection, connections, router, transaction
from django.db.models import BooleanField, F
from django.db.models.expressions import RawSQL

from tongban.cases.machine import QUEUE
from tongban.cases.models import Case, CaseCounter

_COUNTER = (
    "INSERT INTO cases_casecounter (scope, n) VALUES (%s, 1) "
    "ON CONFLICT (scope) DO UPDATE SET n = cases_casecounter.n + 1 RETURNING n"
)
# PostgreSQL outside a transaction: the same upsert as one statement whose commit does not wait for
# the WAL flush (set_config(..., true) lasts until the end of this statement's own transaction).
# Safe: the case's own synchronous commit flushes the WAL past the counter's, so a number a
# committed case carries is never handed out again, even after a crash.
_COUNTER_ASYNC = (
    "INSERT INTO cases_casecounter (scope, n) "
    "SELECT %s, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS local_setting "
    "ON CONFLICT (scope) DO UPDATE SET n = cases_casecounter.n + 1 RETURNING n"
)


def counter_next(scope: str) -> int:
    """Increment the scope's counter (creating it at 1) and return the new value: one statement."""
    on_its_own = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute(_COUNTER_ASYNC if on_its_own else _COUNTER, [scope])
        row = cursor.fetchone()
    if row is None:  # RETURNING always yields the row; anything else is a database fault
        raise RuntimeError(f"case counter {scope} returned no row")
    return int(row[0])


def counter_next_orm(scope: str) -> int:
    """What ``counter_next`` does, in the ORM (the reference its test compares with)."""
    with transaction.atomic():
        CaseCounter.objects.bulk_create([CaseCounter(scope=scope, n=0)], ignore_conflicts=True)
        CaseCounter.objects.filter(scope=scope).update(n=F("n") + 1)
        return int(CaseCounter.objects.values_list("n", flat=True).get(scope=scope))


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
