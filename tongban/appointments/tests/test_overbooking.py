"""200 people book one capacity-10 slot at once from several processes: exactly 10 win."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tongban.appointments.tests.conftest import ITEM

# Slow (~30 s: four worker processes start Django); CI runs it on SQLite and on PostgreSQL.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PROCESSES = 4
PER_PROCESS = 50
THREADS = 12  # per process: 48 connections in all, under PostgreSQL's default 100


def _citizens(n: int) -> list[int]:
    from tongban.accounts.models import User
    from tongban.common.ids import make_id_number
    from tongban.common.roles import Role

    users = [
        User(
            username=make_id_number("330106", dt.date(1985, 1, 1) + dt.timedelta(days=i), 1 + i % 900),
            role=Role.CITIZEN,
            real_name=f"市民{i}",
        )
        for i in range(n)
    ]
    for u in users:
        u.id_number = u.username
        u.set_unusable_password()
    User.objects.bulk_create(users)
    return list(User.objects.filter(role=Role.CITIZEN, real_name__startswith="市民").values_list("pk", flat=True))


def _database_url(tmp_path: Path) -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        # The test database lives in memory: copy it (schema and rows) to a file the workers share.
        target = tmp_path / "booking.sqlite3"
        dst = sqlite3.connect(target)
        connection.ensure_connection()
        connection.connection.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
        dst.close()
        return f"sqlite:///{target}"
    user = s.get("USER") or ""
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


def _count(url: str, slot_id: int) -> tuple[int, int, int]:
    """(slot.booked, booked appointments on it, appointment rows on it) read from ``url``."""
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            booked = con.execute("SELECT booked FROM appointments_slot WHERE id=?", (slot_id,)).fetchone()[0]
            active = con.execute(
                "SELECT count(*) FROM appointments_appointment WHERE slot_id=? AND status='booked'", (slot_id,)
            ).fetchone()[0]
            rows = con.execute("SELECT count(*) FROM appointments_appointment WHERE slot_id=?", (slot_id,)).fetchone()[
                0
            ]
        finally:
            con.close()
        return booked, active, rows
    from tongban.appointments.models import Appointment, Slot

    slot = Slot.objects.get(pk=slot_id)
    qs = Appointment.objects.filter(slot_id=slot_id)
    return slot.booked, qs.filter(status="booked").count(), qs.count()


def test_200_concurrent_bookings_fill_a_capacity_10_slot_exactly(
    station: Any, now: dt.datetime, tmp_path: Path
) -> None:
    from tongban.appointments.models import Slot

    start = now + dt.timedelta(days=1)
    slot = Slot.objects.create(
        outlet=station, group="jiaoguan", start=start, end=start + dt.timedelta(minutes=30), capacity=10
    )
    users = _citizens(PROCESSES * PER_PROCESS)
    assert len(users) == 200
    url = _database_url(tmp_path)
    # A fresh var dir: the workers' rate-limit counters (file cache) start empty every run.
    env = {**os.environ, "DATABASE_URL": url, "TONGBAN_VAR_DIR": str(tmp_path / "var")}
    env.pop("REDIS_URL", None)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tongban.appointments.tests.book_worker",
                str(slot.pk),
                ITEM,
                ",".join(map(str, users[i * PER_PROCESS : (i + 1) * PER_PROCESS])),
                now.isoformat(),
                str(THREADS),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    totals: dict[str, int] = {}
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
        for code, n in json.loads(out.strip().splitlines()[-1]).items():
            totals[code] = totals.get(code, 0) + n
    assert totals == {"booked": 10, "slot_full": 190}
    assert _count(url, slot.pk) == (10, 10, 10)
