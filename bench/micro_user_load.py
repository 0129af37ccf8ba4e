"""The session user's load: accounts/sql.py's one statement against the ORM's three queries.

    .venv/bin/python bench/micro_user_load.py            # SQLite in a temporary directory
    DATABASE_URL=postgres://... .venv/bin/python bench/micro_user_load.py

Prints loads per second of each and the ratio (the figure accounts/sql.py quotes). In-process, no
HTTP: it measures only what the statement saves (query building, round trips, row loading).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")
os.environ.setdefault("TONGBAN_DATA_DIR", tempfile.mkdtemp(prefix="tb-micro-"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import user_has_device  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from tongban.accounts.models import User  # noqa: E402
from tongban.accounts.selectors import user_by_pk  # noqa: E402
from tongban.notifications.models import Message  # noqa: E402
from tongban.notifications.selectors import UNREAD_CAP  # noqa: E402

N = int(os.environ.get("N", "5000"))


def orm(pk: int) -> tuple[User, bool, int]:
    user = User.objects.get(pk=pk)
    unread = Message.objects.filter(recipient_id=pk, inbox=True, read_at__isnull=True)[: UNREAD_CAP + 1].count()
    return user, bool(user_has_device(user, confirmed=True)), unread


def sql(pk: int) -> User | None:
    return user_by_pk(pk=pk)


def rate(fn: object, pk: int) -> float:
    for _ in range(200):  # warm up (statements built, connection open)
        fn(pk)  # type: ignore[operator]
    best = 0.0
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(N):
            fn(pk)  # type: ignore[operator]
        best = max(best, N / (time.perf_counter() - t))
    return best


def main() -> None:
    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(
        username="micro-clerk", defaults={"role": "clerk", "department": "huzheng", "real_name": "测"}
    )
    TOTPDevice.objects.get_or_create(user=user, name="phone", defaults={"confirmed": True})
    Message.objects.get_or_create(
        kind="micro", key="1", defaults={"recipient": user, "language": "zh-hans", "created_at": timezone.now()}
    )
    a, b = rate(orm, user.pk), rate(sql, user.pk)
    from django.db import connection

    print(f"{connection.vendor}: ORM {a:,.0f}/s, accounts/sql.py {b:,.0f}/s, ratio {b / a:.2f}x (N={N}, best of 3)")


if __name__ == "__main__":
    main()
