"""A separate process that books one slot from many threads at once (for the overbooking test).

    python -m tongban.appointments.tests.book_worker SLOT_ID ITEM USER_ID[,USER_ID...] AT THREADS

DATABASE_URL must name the test database. THREADS threads (one database connection each, as
an application server's pool would) start together and book for their share of the users.
Prints one JSON object: outcome code → count.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import Counter


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")
    import django

    django.setup()
    import datetime as dt

    from django.db import connection

    from tongban.accounts.models import User
    from tongban.appointments.services import appointment_book
    from tongban.common.errors import DomainError

    slot_id, item = int(sys.argv[1]), sys.argv[2]
    user_ids = [int(x) for x in sys.argv[3].split(",")]
    at = dt.datetime.fromisoformat(sys.argv[4])
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    connection.close()
    n_threads = int(sys.argv[5])
    barrier = threading.Barrier(n_threads)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def book(uids: list[int]) -> None:
        barrier.wait()
        for uid in uids:
            try:
                appointment_book(user=users[uid], item_code=item, slot_id=slot_id, at=at)
                code = "booked"
            except DomainError as exc:
                code = exc.code
            except Exception as exc:  # any other failure is reported to the test, which fails on it
                code = f"error:{type(exc).__name__}:{exc}"
            with lock:
                outcomes[code] += 1
        connection.close()

    threads = [threading.Thread(target=book, args=(user_ids[i::n_threads],)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(dict(outcomes)))


if __name__ == "__main__":
    main()
