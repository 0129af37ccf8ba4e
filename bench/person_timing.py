"""The applicant's read (tongban/registry/sql.py): the plain statement against its ORM twin.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_x .venv/bin/python bench/person_timing.py \
        [--people 500] [--rounds 5]

Needs a database with people (e.g. the bench_cases database, or one after ``tongban gen-city``).
Checks that both give the same answer for the first 50 people, then reads ``--people`` people by
key with each, ``--rounds`` times, on one connection, and prints the median reads per second.
Indicative only: a quick run on a shared machine, not the bench (make bench).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")


def main() -> None:
    import django

    django.setup()
    from tongban.registry.models import Person
    from tongban.registry.sql import person_row, person_row_orm

    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pks = list(Person.objects.order_by("pk").values_list("pk", flat=True)[: args.people])
    for pk in pks[:50]:
        a, b = person_row(pk=pk), person_row_orm(pk=pk)
        assert a is not None and b is not None and a.person.pk == b.person.pk and a.id_card == b.id_card
    rates: dict[str, list[float]] = {"sql": [], "orm": []}
    for _ in range(args.rounds):
        for name, read in (("sql", person_row), ("orm", person_row_orm)):
            start = time.perf_counter()
            for pk in pks:
                read(pk=pk)
            rates[name].append(len(pks) / (time.perf_counter() - start))
    sql, orm = statistics.median(rates["sql"]), statistics.median(rates["orm"])
    print(f"sql {sql:.0f} reads/s, orm {orm:.0f} reads/s ({sql / orm:.1f}x); load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
