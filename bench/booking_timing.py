"""A booking's own cost in process: CPU time and queries of ``appointment_book``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_x REDIS_URL=redis://127.0.0.1:6379/N \
        .venv/bin/python bench/booking_timing.py [--n 400]

Needs a migrated database (``tongban migrate``). Creates ``--n`` citizens and a few wide slots at a
test outlet, books each citizen once (after a warm-up), and prints the median CPU time of one
booking (``time.process_time``, so other jobs on a shared machine matter less than for wall
time) and the statements one booking runs (slots five days ahead: no reminder is due yet, so the
booking is measured without one). Removes what it created. Used to decide whether the
booking path's statements pay as plain SQL (HANDBOOK-dev.md, docs/adr/0010): run it on both
versions of the code and compare. Indicative only: not the bench (make bench).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")

ITEM = "driver_licence_replace"
PREFIX = "BT"


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tongban.accounts.models import User
    from tongban.appointments.models import Appointment, Slot
    from tongban.appointments.services import appointment_book
    from tongban.catalog.selectors import items_list
    from tongban.catalog.services import catalog_load
    from tongban.common.ids import make_id_number
    from tongban.common.roles import Department, Role
    from tongban.outlets.services import outlet_upsert

    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=400)
    a = p.parse_args()
    now = dt.datetime(2030, 3, 11, 8, 0, tzinfo=dt.UTC)
    if not items_list():
        catalog_load(at=now)
    outlet = outlet_upsert(
        code="BENCH-BOOK",
        name="预约计时网点",
        kind="police_station",
        region_code="330106",
        lat=30.2862,
        lng=120.1226,
        bookable=True,
        items=[ITEM],
        at=now,
        hours={d: "09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    warm = 20
    users = [
        User(
            username=make_id_number("330106", dt.date(1960, 1, 1) + dt.timedelta(days=i), 1 + i % 900),
            role=Role.CITIZEN,
            real_name=f"{PREFIX}{i}",
        )
        for i in range(a.n + warm)
    ]
    for u in users:
        u.id_number = u.username
        u.set_unusable_password()
    users = User.objects.bulk_create(users)
    slots = [
        Slot.objects.create(
            outlet=outlet,
            group=Department.JIAOGUAN,
            start=now + dt.timedelta(days=5, hours=h),
            end=now + dt.timedelta(days=5, hours=h, minutes=30),
            capacity=a.n + warm,
        )
        for h in range(4)
    ]
    try:
        cpu: list[float] = []
        for i, user in enumerate(users):
            slot = slots[i % len(slots)]
            if i == warm:
                with CaptureQueriesContext(connection) as ctx:
                    appointment_book(user=user, item_code=ITEM, slot_id=slot.pk, at=now)
                queries = [q["sql"][:90] for q in ctx.captured_queries]
                continue
            t0 = time.process_time()
            appointment_book(user=user, item_code=ITEM, slot_id=slot.pk, at=now)
            if i > warm:
                cpu.append(time.process_time() - t0)
        print(f"{connection.vendor}: {len(cpu)} bookings, median CPU {statistics.median(cpu) * 1e6:,.0f} µs a booking")
        print(f"{len(queries)} statements a booking:")
        for q in queries:
            print("  ", q)
    finally:
        Appointment.objects.filter(slot__in=slots).delete()
        Slot.objects.filter(pk__in=[s.pk for s in slots]).delete()
        User.objects.filter(pk__in=[u.pk for u in users]).delete()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
