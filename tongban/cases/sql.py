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

The rows of the two list pages (``queue_rows``, ``mine_rows``): one statement each, read as plain
rows. The ORM twins (``queue_rows_orm``, ``mine_rows_orm``) are the same queries through the
QuerySet API; building and compiling those on every page cost more CPU than the query itself.
Measured (PostgreSQL, 1,000,000 cases, ``bench/cases_cpu.py`` in-process CPU time per call, the
shared 2-core machine, 2026-12-07): the approver's queue 983 µs a page through the ORM against
343 µs here (2.9x), and these two pages are the list floors of issue 14 (docs/adr/0010).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, connections, router, transaction
from django.db.models import BooleanField, F, Field, Q
from django.db.models.expressions import RawSQL

from tongban.cases.machine import QUEUE
from tongban.cases.models import Case, CaseCounter
from tongban.common.rows import RowLoader

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


# --- the list pages' rows ---------------------------------------------------------------------------
# What a list row shows (tongban.cases.selectors.CaseRow, in this order: the model's).
ROW_FIELDS = (
    "id",
    "number",
    "item_code",
    "item_name",
    "department",
    "status",
    "channel",
    "applicant_name",
    "submitted_at",
    "limit_unit",
    "deadline_at",
    "clock_remaining",
    "expedited",
)
ROWS = RowLoader(Case, ROW_FIELDS)
Scope = list[dict[str, Any]] | None  # tongban.common.access.access_lookups: None all rows, [] none


def _scope_sql(scope: list[dict[str, Any]], table: str) -> tuple[list[str], list[Any]]:
    """Each access lookup as ``col = %s [AND ...]``, with its values. Only the case's own columns:
    a lookup through a relation is refused (ValueError) rather than guessed at."""
    qn = connection.ops.quote_name
    parts, params = [], []
    for lookup in scope:
        terms = []
        for name, value in lookup.items():
            if "__" in name:
                raise ValueError(f"not a column of the case: {name}")
            field = Case._meta.get_field(name)
            if not isinstance(field, Field) or field.column is None:
                raise ValueError(f"not a column of the case: {name}")
            terms.append(f"{table}.{qn(field.column)} = %s")
            params.append(value)
        parts.append(" AND ".join(terms))
    return parts, params


def _fetch(sql: str, params: list[Any]) -> list[list[Any]]:
    with connections[router.db_for_read(Case)].cursor() as cursor:
        cursor.execute(sql, params)
        return [ROWS.values(row) for row in cursor.fetchall()]


def queue_rows(*, scope: Scope, states: tuple[str, ...], start: int, stop: int) -> list[list[Any]]:
    """Rows ``start:stop`` of the open cases in ``states`` the scope covers, most urgent first
    (the earliest deadline, cases without one last, then by submission). Values in ROW_FIELDS order."""
    if scope == []:
        return []
    qn = connection.ops.quote_name
    table = qn(Case._meta.db_table)
    where = [str(status_in_literal(states).sql)]
    params: list[Any] = []
    if scope is not None:
        parts, params = _scope_sql(scope, table)
        where.append("(" + " OR ".join(f"({p})" for p in parts) + ")")
    order = ", ".join(f"{table}.{qn(c)}" for c in ("submitted_at", "id"))
    sql = (
        f"SELECT {ROWS.columns(table)} FROM {table} WHERE {' AND '.join(where)} "  # noqa: S608  (names and ints)
        f"ORDER BY {table}.{qn('deadline_at')} ASC NULLS LAST, {order} "
        f"LIMIT {int(stop) - int(start)} OFFSET {int(start)}"
    )
    return _fetch(sql, params)


def queue_rows_orm(*, scope: Scope, states: tuple[str, ...], start: int, stop: int) -> list[list[Any]]:
    """What ``queue_rows`` reads, through the ORM (the reference its test compares with)."""
    if scope == []:
        return []
    qs = Case.objects.filter(status__in=states)
    if scope is not None:
        q = Q(pk__in=[])
        for lookup in scope:
            q |= Q(**lookup)
        qs = qs.filter(q)
    order = (F("deadline_at").asc(nulls_last=True), "submitted_at", "id")
    return [list(r) for r in qs.order_by(*order).values_list(*ROW_FIELDS)[start:stop]]


def mine_rows(*, scope: Scope, start: int, stop: int) -> list[list[Any]]:
    """Rows ``start:stop`` of the cases the scope covers, newest first. With several ways of
    owning a case (a citizen's registry person and filing account), a UNION of one index scan
    each, each stopping after the page: their OR would read and sort every case of a citizen who
    has thousands."""
    if scope == []:
        return []
    qn = connection.ops.quote_name
    table = qn(Case._meta.db_table)
    columns = ROWS.columns(table)
    newest = f"{qn('submitted_at')} DESC, {qn('id')} DESC"
    window = f"LIMIT {int(stop) - int(start)} OFFSET {int(start)}"
    if scope is None:
        sql = f"SELECT {columns} FROM {table} ORDER BY {newest} {window}"  # noqa: S608  (names and ints)
        return _fetch(sql, [])
    parts, params = _scope_sql(scope, table)
    if len(parts) == 1:
        sql = f"SELECT {columns} FROM {table} WHERE {parts[0]} ORDER BY {newest} {window}"  # noqa: S608
        return _fetch(sql, params)
    branches = " UNION ".join(
        f"SELECT * FROM (SELECT {columns} FROM {table} WHERE {p} ORDER BY {newest} LIMIT {int(stop)}) b{i}"  # noqa: S608
        for i, p in enumerate(parts)
    )
    return _fetch(f"{branches} ORDER BY {newest} {window}", params)


def mine_rows_orm(*, scope: Scope, start: int, stop: int) -> list[list[Any]]:
    """What ``mine_rows`` reads, through the ORM's OR filter (the reference its test compares with)."""
    if scope == []:
        return []
    qs = Case.objects.all()
    if scope is not None:
        q = Q(pk__in=[])
        for lookup in scope:
            q |= Q(**lookup)
        qs = qs.filter(q)
    return [list(r) for r in qs.order_by("-submitted_at", "-id").values_list(*ROW_FIELDS)[start:stop]]
