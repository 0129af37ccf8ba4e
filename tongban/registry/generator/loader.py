"""Fast bulk loading of generated tables: PostgreSQL COPY, SQLite executemany.

Column conventions from ``population``: numpy integer columns use a negative value for NULL
(keys and measures are never negative), ``datetime64[D]`` columns use NaT, string lists use None.
Generated strings come from our own data files and never contain tabs, newlines or backslashes,
which is what lets COPY text format take them verbatim.

On PostgreSQL the whole load is one transaction: the registry tables' secondary indexes, unique
and foreign-key constraints are dropped first and re-created at the end (PostgreSQL's advice for
populating a database), which validates every key at once instead of row by row.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Model

from tongban.registry.generator.population import Table


def copy_text(columns: list[str], table: Table) -> bytes:
    """COPY ... FROM STDIN (text format) payload for the columns, in order."""
    cols = [_text_column(table[c]) for c in columns]
    if not cols or not len(cols[0]):
        return b""
    return ("\n".join(["\t".join(row) for row in zip(*cols, strict=True)]) + "\n").encode()


_DAY0 = int(np.datetime64("1900-01-01", "D").astype(np.int64))
_DAYS = 110_000  # 1900-01-01 .. 2201


@cache
def _day_strings() -> np.ndarray:
    """ISO strings for every day 1900–2200: a lookup is ten times faster than formatting."""
    days = np.arange(_DAY0, _DAY0 + _DAYS).astype("datetime64[D]")
    table = np.datetime_as_string(days, unit="D").astype(object)
    return np.concatenate([table, np.array([None], dtype=object)])


def date_strings(arr: np.ndarray, null: str | None) -> list[Any]:
    """ISO dates for a datetime64[D] array, ``null`` for NaT (fast path through a lookup table)."""
    table = _day_strings()
    idx = arr.astype(np.int64) - _DAY0
    nat = np.isnat(arr)
    outside = ~nat & ((idx < 0) | (idx >= _DAYS))
    out = table[np.where(nat | outside, _DAYS, idx)]
    if outside.any():
        out[outside] = np.datetime_as_string(arr[outside], unit="D").astype(object)
    out[nat] = null
    return list(out.tolist())


def _int_strings(arr: np.ndarray, null: str | None) -> list[Any]:
    out: list[Any] = list(map(str, arr.tolist()))
    if (arr < 0).any():
        for i in np.flatnonzero(arr < 0).tolist():
            out[i] = null
    return out


def _text_column(values: Any) -> list[str]:
    if isinstance(values, list):
        return ["\\N" if v is None else v for v in values]
    arr = np.asarray(values)
    kind = arr.dtype.kind
    if kind == "M":
        return date_strings(arr, "\\N")
    if kind == "b":
        return np.where(arr, "t", "f").tolist()
    if kind in "iu":
        return _int_strings(arr, "\\N")
    if kind == "f":
        floats = list(map(repr, arr.tolist()))
        for i in np.flatnonzero(np.isnan(arr)).tolist():
            floats[i] = "\\N"
        return floats
    raise TypeError(f"unsupported column dtype {arr.dtype}")


def python_rows(columns: list[str], table: Table) -> list[tuple[Any, ...]]:
    """Rows of Python values (dates as ISO strings, None for NULL) for executemany."""
    cols = [_py_column(table[c]) for c in columns]
    return list(zip(*cols, strict=True))


def _py_column(values: Any) -> list[Any]:
    if isinstance(values, list):
        return values
    arr = np.asarray(values)
    kind = arr.dtype.kind
    if kind == "M":
        return date_strings(arr, None)
    if kind in "iu":
        out: list[Any] = arr.tolist()
        for i in np.flatnonzero(arr < 0).tolist():
            out[i] = None
        return out
    if kind == "f":
        obj = arr.astype(object)
        obj[np.isnan(arr)] = None
        return list(obj.tolist())
    return list(arr.tolist())


# --- PostgreSQL -----------------------------------------------------------------------------------


class PostgresLoad:
    """Drop the registry tables' secondary indexes and constraints, COPY, then restore them.

    Must be used inside one transaction (``transaction.atomic``): DDL is transactional in
    PostgreSQL, so a failure anywhere restores the schema as it was.
    """

    def __init__(self, tables: list[str], *, external: bool = False) -> None:
        self.tables = tables
        self.external = external
        self.constraints: list[tuple[str, str, str, str]] = []  # (table, name, type, definition)
        self.indexes: list[str] = []

    def drop(self) -> None:
        qn = connection.ops.quote_name
        with connection.cursor() as c:
            c.execute(
                "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') ORDER BY contype, conname",
                [self.tables],
            )
            self.constraints = list(c.fetchall())
            if self.external:  # other tables' foreign keys into ours ('f' sorts first: dropped first)
                c.execute(
                    "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE confrelid = ANY(%s::regclass[]) AND NOT conrelid = ANY(%s::regclass[]) AND contype = 'f'",
                    [self.tables, self.tables],
                )
                self.constraints = list(c.fetchall()) + self.constraints
            c.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))",
                [self.tables],
            )
            index_rows = c.fetchall()
            self.indexes = [row[1] for row in index_rows]
            for table, name, _kind, _definition in self.constraints:  # 'f' sorts before 'u'
                c.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
            for name, _definition in index_rows:
                c.execute(f"DROP INDEX {name}")

    def restore(self) -> None:
        qn = connection.ops.quote_name
        with connection.cursor() as c:
            # Index builds sort in memory; the foreign-key checks are hash joins over whole tables.
            c.execute("SET LOCAL maintenance_work_mem = '256MB'")
            c.execute("SET LOCAL work_mem = '128MB'")
            for statement in self.indexes:
                c.execute(statement)
            for table, name, _kind, definition in sorted(self.constraints, key=lambda r: r[2] != "u"):
                c.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
            for table in self.tables:
                c.execute(f"ANALYZE {qn(table)}")

    def copy(self, table: str, columns: list[str], payload: bytes) -> None:
        if not payload:
            return
        qn = connection.ops.quote_name
        sql = f"COPY {qn(table)} ({', '.join(qn(col) for col in columns)}) FROM STDIN"
        with connection.cursor() as c, c.cursor.copy(sql) as cp:
            cp.write(payload)


def pipelined(produce: Iterator[Any], consume: Callable[[Any], None], depth: int = 3) -> None:
    """Run ``produce`` in a thread and ``consume`` here, at most ``depth`` items in flight.

    Generation is CPU work in Python; COPY mostly waits on the server. Overlapping them keeps
    both cores busy while bounding memory to ``depth`` formatted batches.
    """
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    done = object()
    failure: list[BaseException] = []
    stop = threading.Event()

    def run() -> None:
        try:
            for item in produce:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # re-raised in the consumer thread
            failure.append(exc)
        finally:
            while True:
                try:
                    q.put(done, timeout=0.2)
                    break
                except queue.Full:
                    if stop.is_set():
                        break

    worker = threading.Thread(target=run, name="gen-city-producer", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is done:
                break
            consume(item)
    finally:
        stop.set()
        worker.join()
    if failure:
        raise failure[0]


def reset_sequences(models: list[type[Model]]) -> None:
    """Point every serial primary key past the keys we wrote ourselves."""
    with connection.cursor() as c:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            c.execute(sql)


def sqlite_insert(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """executemany on the raw sqlite3 connection, inside the caller's transaction."""
    if not rows:
        return
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    sql = f"INSERT INTO {qn(table)} ({names}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608 model names
    raw = connection.connection
    assert raw is not None
    raw.executemany(sql, rows)
