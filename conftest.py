"""Shared fixtures: named personas, logged-in clients, markers, and the browser."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = "/usr/bin/chromium"
FIXED_NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    skip_browser = pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    have_chromium = os.path.exists(CHROMIUM) or shutil.which("chromium") is not None
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            # Data migrations seed the catalog, the statutory calendar and photo standards; a
            # transactional test's flush would wipe them for every later test. Restoring the
            # serialized database after each such test keeps them, for every test alike.
            item.add_marker(
                pytest.mark.django_db(*marker.args, **{**marker.kwargs, "serialized_rollback": True}), append=False
            )
        if "postgres" in item.keywords and not _on_postgres():
            item.add_marker(skip_pg)
        if "browser" in item.keywords and not have_chromium:
            item.add_marker(skip_browser)


@pytest.fixture(autouse=True, scope="session")
def _urls_loaded() -> None:
    # Import every view and endpoint module before any test patches tongban.common.clock.now: a
    # module first imported under such a patch would keep the fake clock it bound at import
    # (``from tongban.common.clock import now``) for every later test.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (the import is the point)


@pytest.fixture(autouse=True)
def _fresh_lookups() -> None:
    # Kept reference data (tongban.common.lookups) may name rows an earlier test rolled back.
    from tongban.common.lookups import forget_all

    forget_all()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    # Each test starts in the site's default language: a test (or a live-server request on this
    # thread) that activated English must not turn the next test's messages English.
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def lookup_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The clock kept lookups (tongban.common.lookups) expire by; tests move ``.t`` forward."""
    from tongban.common import lookups

    class Clock:
        t = 1000.0

    monkeypatch.setattr(lookups.time, "monotonic", lambda: Clock.t)
    return Clock


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Argon2 is right for production and needlessly slow for hundreds of test logins.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()  # throttling and rate-limit counters start empty in every test
    # SMS go to memory (tongban.notifications.channels.MemorySmsBackend.outbox), never to var/.
    from tongban.notifications.channels import MemorySmsBackend

    settings.NOTIFY_SMS_BACKEND = "tongban.notifications.channels.MemorySmsBackend"
    settings.REGISTER_MIN_MILLISECONDS = 0  # registration's answer floor: tested where it matters
    MemorySmsBackend.outbox.clear()
    media = tmp_path_factory.mktemp("media")
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _audit_export(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Signed audit checkpoints and their key go to a fresh place per test, never to var/: a
    # checkpoint left by the demo would pin the test database's chains to the demo's.
    settings.AUDIT_KEYS_DIR = tmp_path_factory.mktemp("audit-keys")
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_checkpoints": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("audit-checkpoints"))},
        },
    }


AUDIT_TABLES = ("audit_auditentry", "audit_audithead")


@pytest.fixture(scope="session", autouse=True)
def _flush_past_audit_triggers() -> Iterator[None]:
    """On PostgreSQL the audit tables refuse TRUNCATE (migration audit 0005), and a transactional
    test ends by flushing every table. Only the test suite may empty them: its flush disables the
    tables' own triggers inside its transaction (as their owner), then enables them again."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: Any, sql_list: list[str]) -> None:
        if any(table in sql for sql in sql_list for table in AUDIT_TABLES):
            sql_list = [
                *(f'ALTER TABLE "{t}" DISABLE TRIGGER USER' for t in AUDIT_TABLES),
                *sql_list,
                *(f'ALTER TABLE "{t}" ENABLE TRIGGER USER' for t in AUDIT_TABLES),
            ]
        original(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign,assignment]
    yield
    DatabaseOperations.execute_sql_flush = original  # type: ignore[method-assign]


@pytest.fixture
def now() -> dt.datetime:
    """A fixed instant: tests never depend on today's date."""
    return FIXED_NOW


@dataclass
class Personas:
    citizen: Any
    other_citizen: Any
    clerk: Any
    other_clerk: Any
    approvers: dict[str, Any]
    admin: Any
    auditor: Any
    outlet: Any
    other_outlet: Any


def make_person(id_number: str, name: str, **extra: Any) -> Any:
    """A registry person with a local household (tests only)."""
    from tongban.registry.models import Address, Household, Person, Region, RegionLevel

    district_code = id_number[:6]
    district, _ = Region.objects.get_or_create(
        code=district_code, defaults={"name": "测试区", "level": RegionLevel.DISTRICT}
    )
    community, _ = Region.objects.get_or_create(
        code=district_code + "001001", defaults={"name": "测试社区", "level": RegionLevel.COMMUNITY, "parent": district}
    )
    address = Address.objects.create(
        community=community,
        district_code=district_code,
        detail="文三路 1 号",
        full=f"浙江省杭州市测试区文三路 1 号 {name}",
    )
    household = Household.objects.create(
        number=f"H{id_number[-10:]}", address=address, district_code=district_code, registered_on=dt.date(2010, 1, 1)
    )
    defaults: dict[str, Any] = {
        "gender": "M" if int(id_number[16]) % 2 else "F",
        "birth_date": dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
        "household": household,
        "relation": "户主",
        "hukou_region": district_code,
        "phone": "13800001234",
    }
    defaults.update(extra)
    return Person.objects.create(id_number=id_number, name=name, **defaults)


@pytest.fixture
def personas(db: None, now: dt.datetime) -> Personas:
    """A citizen and another citizen (each with a registry record), a clerk at each of two
    outlets, an approver per department, an administrator and an auditor."""
    from tongban.accounts.models import User
    from tongban.common.ids import make_id_number
    from tongban.common.roles import Department, Role
    from tongban.outlets.models import Outlet

    outlet = Outlet.objects.create(
        code="T-PS-1", name="测试派出所", kind="police_station", region_code="330106", lat=30.28, lng=120.12
    )
    other_outlet = Outlet.objects.create(
        code="T-PS-2", name="另一派出所", kind="police_station", region_code="330108", lat=30.20, lng=120.21
    )

    def citizen(seq: int, name: str) -> Any:
        idn = make_id_number("330106", dt.date(1990, 5, 17), seq)
        person = make_person(idn, name, phone=f"1380000{seq:04d}")
        return User.objects.create_user(
            username=idn,
            password="pw-citizen-123",
            role=Role.CITIZEN,
            id_number=idn,
            real_name=name,
            phone=person.phone,
            person=person,
        )

    def staff(username: str, role: str, **extra: Any) -> Any:
        return User.objects.create_user(
            username=username, password="pw-staff-123", role=role, real_name=username, **extra
        )

    return Personas(
        citizen=citizen(123, "张三"),
        other_citizen=citizen(456, "李四"),
        clerk=staff("clerk1", Role.CLERK, outlet=outlet),
        other_clerk=staff("clerk2", Role.CLERK, outlet=other_outlet),
        approvers={d.value: staff(f"approver-{d.value}", Role.APPROVER, department=d.value) for d in Department},
        admin=staff("admin1", Role.ADMIN, is_staff=True, is_superuser=True),
        auditor=staff("auditor1", Role.AUDITOR),
        outlet=outlet,
        other_outlet=other_outlet,
    )


@pytest.fixture
def api(db: None) -> Callable[[Any], Client]:
    """``api(user)`` → a test client logged in as that user (or anonymous for None)."""

    def make(user: Any = None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture(scope="session", autouse=True)
def _serial_live_server_on_sqlite() -> None:
    """On SQLite the test database lives in memory and Django's live server shares the test
    thread's one connection with every request thread: two requests writing at once (a page and
    its images, each audited as a staff read) would then interleave transactions on that one
    connection. There, the live server answers one request at a time (and closes each
    connection, so a browser's idle keep-alive cannot hold it). Separate connections, as in
    production, serialise SQLite writers by themselves (IMMEDIATE transactions)."""
    if _on_postgres():
        return
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class SerialWSGIServer(WSGIServer):
        def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)  # the server thread itself holds the shared connection

    LiveServerThread.server_class = SerialWSGIServer  # type: ignore[attr-defined]  # a class attribute django-stubs omits


@pytest.fixture
def browser_page(live_server: Any) -> Iterator[Any]:
    """A Playwright page in Debian's headless Chromium, pointed at the live server."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
