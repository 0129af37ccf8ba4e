"""Rows of plain SQL loaded as model instances, the way the ORM loads them, minus the compiling.

The hot paths (bearer-token authentication, booking) run one hand-written statement each; a
``RawQuerySet`` would map its columns to fields anew on every call, which cost more CPU than the
query. ``RowLoader`` works that out once per database vendor: the columns to select (from the
model's own metadata, so a new field is selected without touching the caller), their database
converters (SQLite's datetimes and booleans, for instance), and ``from_db``; it also keeps the
callers' statements, built once per vendor (``statement``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


class RowLoader(Generic[M]):
    """Select ``model``'s concrete fields (or ``fields``) from a table alias and load rows."""

    def __init__(self, model: type[M], fields: Sequence[str] | None = None) -> None:
        self.model = model
        self.field_names = fields
        self._by_vendor: dict[str, tuple[list[str], list[tuple[int, list[Any], Any]]]] = {}
        self._statements: dict[tuple[str, str], str] = {}

    def _fields(self) -> list[models.Field[Any, Any]]:
        meta = self.model._meta
        if self.field_names is None:
            return list(meta.concrete_fields)
        # In the model's order, whatever the caller's: ``Model.from_db`` assigns a subset of
        # values to the concrete fields in that order.
        wanted = {meta.get_field(n) for n in self.field_names}
        return [f for f in meta.concrete_fields if f in wanted]

    def columns(self, alias: str) -> str:
        """``alias."col", ...`` in load order, for the SELECT list."""
        qn = connection.ops.quote_name
        return ", ".join(f"{alias}.{qn(f.column)}" for f in self._fields())

    def statement(self, name: str, build: Callable[[], str]) -> str:
        """The statement ``name``, made by ``build()`` (which may call ``columns``) the first time
        it is asked for on this database vendor. Only names from the models' metadata go into it;
        values are parameters."""
        key = (connection.vendor, name)
        sql = self._statements.get(key)
        if sql is None:
            sql = self._statements[key] = build()
        return sql

    def _plan(self) -> tuple[list[str], list[tuple[int, list[Any], Any]]]:
        plan = self._by_vendor.get(connection.vendor)
        if plan is None:
            converters = []
            for i, field in enumerate(self._fields()):
                col = field.get_col(self.model._meta.db_table)
                funcs = [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]
                if funcs:
                    converters.append((i, funcs, col))
            plan = self._by_vendor[connection.vendor] = ([f.attname for f in self._fields()], converters)
        return plan

    def values(self, row: Sequence[Any]) -> list[Any]:
        """The first ``len(fields)`` values of ``row`` as the ORM reads them (converted), in load
        order, without making an instance."""
        names, converters = self._plan()
        values = list(row[: len(names)])
        for i, funcs, col in converters:
            for convert in funcs:
                values[i] = convert(values[i], col, connection)
        return values

    def load(self, row: Sequence[Any]) -> M:
        """The instance for the first ``len(fields)`` values of ``row`` (any further columns are
        the caller's own)."""
        names, _converters = self._plan()
        return self.model.from_db(connection.alias, names, self.values(row))
