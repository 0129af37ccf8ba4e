"""The soak's simulated citizens keep to what the policies allow one person.

bench/bench_soak.py counts every refused request as an error (G20: error rate 0), so a load model
that books or applies faster than a person may is refused by the per-person limits (429) and the
soak fails for the script, not the service. Here one citizen's loop runs for simulated hours on a
fake clock against a server that answers at once (the fastest pace the loop can reach), and the
attempts are counted in the limiters' clock-aligned windows: bookings per minute
(``BookingPolicy.attempts_per_minute``) and submissions per hour (``SUBMIT_RATE_PER_HOUR``). The
loop cancels each booking again, so it must not book a slot too close to cancel (409 too_late, and
the booking it keeps makes its next ones 409 already_booked).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import types
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tongban.appointments.policy import BookingPolicy

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
bench_soak = pytest.importorskip("bench_soak")

HOURS = 3


class FakeClock:
    def __init__(self, start: float) -> None:
        self.t = start

    def monotonic(self) -> float:
        return self.t

    def time_ns(self) -> int:
        return int(self.t * 1e9)


class FakeStop:
    """``stop.wait`` advances the fake clock; the loop ends after ``until``."""

    def __init__(self, clock: FakeClock, until: float) -> None:
        self.clock, self.until = clock, until

    def is_set(self) -> bool:
        return self.clock.t >= self.until

    def wait(self, seconds: float) -> bool:
        self.clock.t += seconds
        return self.is_set()


class FakeResponse:
    def __init__(self, status: int, body: Any) -> None:
        self.status_code, self._body = status, body

    def json(self) -> Any:
        return self._body


class FakeServer:
    """Answers every request at once (the loop's fastest pace) and notes when each write came."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.books: list[float] = []
        self.booked_slots: set[int] = set()
        soon, later = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=m) for m in (10, 2 * 24 * 60))
        # a slot too close to cancel (BookingPolicy.cancel_before_minutes) and one two days on
        self.slots = [{"id": 1, "remaining": 5, "start": soon.isoformat()},
                      {"id": 2, "remaining": 5, "start": later.isoformat()}]  # fmt: skip
        self.applies: list[float] = []

    def get(self, path: str, **kw: Any) -> FakeResponse:
        if path.startswith("/api/v1/appointments/slots"):
            return FakeResponse(200, self.slots)
        return FakeResponse(200, {})

    def api(self, method: str, path: str, json: Any = None, **kw: Any) -> FakeResponse:
        if path == "/api/v1/appointments/":
            self.books.append(self.clock.t)
            self.booked_slots.add(json["slot_id"])
            return FakeResponse(201, {"number": "YY0001"})
        if path == "/api/v1/cases/":
            self.applies.append(self.clock.t)
            return FakeResponse(201, {"number": "C0001"})
        return FakeResponse(200, {})


def most_in_a_window(times: list[float], window: int) -> int:
    return max(Counter(int(t) // window for t in times).values(), default=0)


@pytest.mark.parametrize("seed", range(5))
def test_a_simulated_citizen_stays_within_the_per_person_limits(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    random.seed(seed)
    clock = FakeClock(start=1_800_000_000 + random.uniform(0, 3600))  # anywhere in a clock hour
    monkeypatch.setattr(bench_soak, "time", types.SimpleNamespace(monotonic=clock.monotonic, time_ns=clock.time_ns,
                                                                   perf_counter=clock.monotonic))  # fmt: skip
    monkeypatch.setattr(bench_soak, "random", types.SimpleNamespace(Random=lambda: random.Random(seed)))
    server = FakeServer(clock)
    rec = bench_soak.Recorder()
    rec.measuring = True
    ctx = {"items": ["no_criminal_record"], "outlet": "X", "tokens": ["t"]}

    bench_soak.citizen(server, rec, FakeStop(clock, clock.t + HOURS * 3600), ctx)

    assert server.books and server.applies, "the loop books and applies"
    assert most_in_a_window(server.books, 60) <= BookingPolicy().attempts_per_minute
    assert most_in_a_window(server.applies, 3600) <= settings.SUBMIT_RATE_PER_HOUR
    # it cancels every booking again, so it books only where a cancellation is still allowed
    assert server.booked_slots == {2}
