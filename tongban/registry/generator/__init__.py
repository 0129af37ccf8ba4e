"""The synthetic city (capability D): a realistic population for demos, tests and benchmarks.

``city_generate`` fills the registry tables with people, households, addresses, documents,
driving licences, vehicles, medical checks and dogs for one city (default Hangzhou, 3301),
deterministically for a seed. ``city.py`` reads the city definition, ``population.py`` draws the
people chunk by chunk with numpy, ``loader.py`` writes them with COPY (PostgreSQL) or
executemany (SQLite) inside one transaction.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, models, transaction

from tongban.audit.services import audit_record
from tongban.registry.generator import loader
from tongban.registry.generator.city import City, CityNotDefined, load_city
from tongban.registry.generator.population import CHUNK_PEOPLE, TABLES, GenState, Table, generate_chunk
from tongban.registry.models import (
    Address,
    Dog,
    DriverLicence,
    Household,
    IdentityDocument,
    MedicalCheck,
    Person,
    Region,
    Vehicle,
)

__all__ = [
    "CityNotDefined",
    "GenerationReport",
    "RegistryInUse",
    "RegistryNotEmpty",
    "city_generate",
    "iter_chunks",
    "load_city",
]

#: Parents before children: the order rows are written in.
MODELS: dict[str, type[models.Model]] = {
    "region": Region,
    "address": Address,
    "household": Household,
    "person": Person,
    "identitydocument": IdentityDocument,
    "driverlicence": DriverLicence,
    "vehicle": Vehicle,
    "medicalcheck": MedicalCheck,
    "dog": Dog,
}
MAX_PEOPLE = 20_000_000


class RegistryNotEmpty(Exception):
    """The registry already holds data and ``replace`` was not asked for."""


class RegistryInUse(Exception):
    """Rows outside the registry depend on registry rows and would be lost by a replace."""


@dataclass
class GenerationReport:
    """What a generation run wrote."""

    city: str
    people: int
    seed: int
    as_of: dt.date
    backend: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # wall seconds per phase


def columns_of(model: type[models.Model]) -> list[str]:
    """The concrete column names of a model, in declaration order."""
    return [f.column for f in model._meta.concrete_fields]


def iter_chunks(*, city: City, people: int, seed: int, as_of: dt.date) -> Iterator[dict[str, Table]]:
    """The population, ``CHUNK_PEOPLE`` people at a time (memory stays bounded)."""
    state = GenState()
    done = 0
    index = 0
    while done < people:
        n = min(CHUNK_PEOPLE, people - done)
        yield generate_chunk(city=city, state=state, seed=seed, index=index, people=n, as_of=as_of)
        done += n
        index += 1


def _region_table(city: City) -> Table:
    rows = city.region_rows()
    table: Table = {c: [r[c] for r in rows] for c in columns_of(Region)}
    for c in ("lat", "lng", "population_weight"):  # numbers travel as arrays, NaN for NULL
        table[c] = np.array([np.nan if v is None else v for v in table[c]], dtype=float)
    return table


def _registry_empty() -> bool:
    return not any(model._base_manager.exists() for model in MODELS.values())


def _external_references() -> list[tuple[type[models.Model], Any]]:
    """Foreign keys from other modules' models into the registry."""
    refs: list[tuple[type[models.Model], Any]] = []
    for model in MODELS.values():
        for rel in model._meta.related_objects:
            other = rel.related_model
            if isinstance(other, str) or other._meta.app_label == "registry":
                continue
            refs.append((other, rel.field))
    return refs


def _release_external() -> None:
    """Before a replace: clear SET_NULL references, refuse when others would lose rows.

    Raises RegistryInUse naming the tables whose rows depend on the registry.
    """
    blocked = []
    for other, fk in _external_references():
        qs = other._base_manager.filter(**{f"{fk.name}__isnull": False})
        if fk.remote_field.on_delete is models.SET_NULL:
            qs.update(**{fk.name: None})
        elif qs.exists():
            blocked.append(f"{other._meta.db_table}.{fk.column}")
    if blocked:
        raise RegistryInUse("rows outside the registry refer to it: " + ", ".join(blocked))


def city_generate(
    *,
    people: int,
    seed: int,
    as_of: dt.date,
    now: dt.datetime,
    city_code: str = "3301",
    replace: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationReport:
    """Generate a synthetic city of ``people`` people into the registry, in one transaction.

    Raises ValueError for a size out of range, CityNotDefined for an unknown city,
    RegistryNotEmpty when the registry holds data and ``replace`` is false, and RegistryInUse
    when a replace would orphan rows of other modules (SET_NULL references are cleared).
    """
    if not 1 <= people <= MAX_PEOPLE:
        raise ValueError(f"people must be between 1 and {MAX_PEOPLE}")
    city = load_city(city_code)
    started = time.perf_counter()
    vendor = connection.vendor
    report = GenerationReport(city=city.code, people=people, seed=seed, as_of=as_of, backend=vendor)
    report.rows = dict.fromkeys(MODELS, 0)
    if not replace and not _registry_empty():
        raise RegistryNotEmpty("the registry is not empty; use --replace to regenerate it")
    chunks = iter_chunks(city=city, people=people, seed=seed, as_of=as_of)
    if vendor == "postgresql":
        _load_postgres(city, chunks, report, replace=replace, now=now, progress=progress)
    else:
        _load_generic(city, chunks, report, replace=replace, now=now, progress=progress)
    report.seconds = time.perf_counter() - started
    return report


def _audit(report: GenerationReport, now: dt.datetime, replace: bool) -> None:
    audit_record(
        action="registry.generate",
        object_type="city",
        object_id=report.city,
        at=now,
        actor=None,
        data={
            "people": report.people,
            "seed": report.seed,
            "as_of": report.as_of.isoformat(),
            "replace": replace,
            "rows": report.rows,
        },
    )


def _load_postgres(
    city: City,
    chunks: Iterator[dict[str, Table]],
    report: GenerationReport,
    *,
    replace: bool,
    now: dt.datetime,
    progress: Callable[[int, int], None] | None,
) -> None:
    tables = [m._meta.db_table for m in MODELS.values()]
    cols = {key: columns_of(m) for key, m in MODELS.items()}
    qn = connection.ops.quote_name
    with transaction.atomic():
        # A replace also lifts other modules' foreign keys into the registry (their rows were
        # cleared or refused by _release_external) so that TRUNCATE is allowed.
        external = loader.PostgresLoad(tables, external=replace)
        if replace:
            _release_external()
        with connection.cursor() as c:
            # ALTER TABLE refuses tables with pending deferred foreign-key checks: run them now.
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
            c.execute("SET CONSTRAINTS ALL DEFERRED")
        external.drop()
        if replace:
            with connection.cursor() as c:
                c.execute("TRUNCATE " + ", ".join(qn(t) for t in tables))
        region = _region_table(city)
        external.copy(tables[0], cols["region"], loader.copy_text(cols["region"], region))
        report.rows["region"] = len(region["code"])

        def produce() -> Iterator[tuple[int, list[tuple[str, str, int, bytes]]]]:
            for chunk in chunks:
                n = len(chunk["person"]["id"])
                yield (
                    n,
                    [
                        (
                            key,
                            MODELS[key]._meta.db_table,
                            len(chunk[key]["id"]),
                            loader.copy_text(cols[key], chunk[key]),
                        )
                        for key in TABLES
                    ],
                )

        done = 0

        def consume(item: tuple[int, list[tuple[str, str, int, bytes]]]) -> None:
            nonlocal done
            n, payloads = item
            for key, table, count, payload in payloads:
                external.copy(table, cols[key], payload)
                report.rows[key] += count
            done += n
            if progress:
                progress(done, report.people)

        mark = time.perf_counter()
        loader.pipelined(produce(), consume)
        report.phases["generate_and_copy"] = time.perf_counter() - mark
        mark = time.perf_counter()
        external.restore()
        loader.reset_sequences(list(MODELS.values()))
        _audit(report, now, replace)
        report.phases["constraints_and_indexes"] = time.perf_counter() - mark
        mark = time.perf_counter()
    report.phases["commit"] = time.perf_counter() - mark


def _load_generic(
    city: City,
    chunks: Iterator[dict[str, Table]],
    report: GenerationReport,
    *,
    replace: bool,
    now: dt.datetime,
    progress: Callable[[int, int], None] | None,
) -> None:
    cols = {key: columns_of(m) for key, m in MODELS.items()}
    qn = connection.ops.quote_name
    sqlite = connection.vendor == "sqlite"
    # Outside a transaction (the command) foreign keys are checked once at the end and the page
    # cache is enlarged for the load; inside one (tests) these PRAGMAs cannot change and the
    # deferred foreign keys are checked at commit instead.
    tune = sqlite and not connection.in_atomic_block
    disabled = connection.disable_constraint_checking() if tune else False
    try:
        if tune:
            with connection.cursor() as c:
                c.execute("PRAGMA cache_size = -131072")
                c.execute("PRAGMA temp_store = MEMORY")
        with transaction.atomic():
            if replace:
                _release_external()
                with connection.cursor() as c:
                    for model in reversed(MODELS.values()):
                        c.execute(f"DELETE FROM {qn(model._meta.db_table)}")  # noqa: S608 model table names
            insert = loader.sqlite_insert if sqlite else _insert_generic
            region = _region_table(city)
            insert(Region._meta.db_table, cols["region"], loader.python_rows(cols["region"], region))
            report.rows["region"] = len(region["code"])
            done = 0
            for chunk in chunks:
                for key in TABLES:
                    rows = loader.python_rows(cols[key], chunk[key])
                    insert(MODELS[key]._meta.db_table, cols[key], rows)
                    report.rows[key] += len(rows)
                done += len(chunk["person"]["id"])
                if progress:
                    progress(done, report.people)
            connection.check_constraints(table_names=[m._meta.db_table for m in MODELS.values()])
            if not sqlite:
                loader.reset_sequences(list(MODELS.values()))
            _audit(report, now, replace)
    finally:
        if disabled:
            connection.enable_constraint_checking()
        if tune:
            with connection.cursor() as c:
                c.execute("PRAGMA cache_size = -2000")
                c.execute("PRAGMA temp_store = DEFAULT")


def _insert_generic(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    sql = f"INSERT INTO {qn(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 model names
    with connection.cursor() as c:
        for start in range(0, len(rows), 10_000):
            c.executemany(sql, rows[start : start + 10_000])
