"""Loading a new year's schedule: the file format, the command, the admin upload and the audit row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from tongban.audit.models import AuditEntry
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Invalid
from tongban.workdays.calendar import add_working_days
from tongban.workdays.models import CalendarDay, CalendarYear
from tongban.workdays.selectors import calendar_clear_cache, calendar_get
from tongban.workdays.services import schedule_from_chinesecalendar, schedule_parse

pytestmark = pytest.mark.django_db

SCHEDULE_2027 = """\
# 2027 (test data)
2027-01-01 holiday 元旦
2027-02-06 holiday 春节
2027-02-07 workday 春节调休   # a Sunday
"""


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    calendar_clear_cache()
    yield
    calendar_clear_cache()


def test_parse_reports_the_line() -> None:
    with pytest.raises(Invalid, match="第 2 行"):
        schedule_parse(text="2027-01-01 holiday\n2027-13-01 holiday\n", year=2027)
    with pytest.raises(Invalid, match="不属于 2027 年"):
        schedule_parse(text="2028-01-01 holiday\n", year=2027)
    with pytest.raises(Invalid, match="类型应为 holiday 或 workday"):
        schedule_parse(text="2027-01-04 off\n", year=2027)
    with pytest.raises(Invalid, match="日期重复"):
        schedule_parse(text="2027-01-04 holiday\n2027-01-04 workday\n", year=2027)


def test_seeded_years_only() -> None:
    assert set(CalendarYear.objects.values_list("year", flat=True)) == set(range(2020, 2027))
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_command_loads_file_and_deadlines_reach_the_new_year(tmp_path: Path) -> None:
    path = tmp_path / "2027.txt"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    before = AuditEntry.objects.count()
    call_command("calendar_load", year=2027, file=path)
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 7)).kind == "makeup"
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 6)).workday is False
    assert CalendarDay.objects.filter(date__year=2027).count() == 365
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.last().action == "calendar.load"  # type: ignore[union-attr]
    calendar_clear_cache()
    cal = calendar_get()
    # Thu 2026-12-31 + 1 working day: 2027-01-01 is a holiday, then Mon 01-04.
    start = dt.datetime(2026, 12, 31, 10, tzinfo=SHANGHAI)
    assert add_working_days(cal, start, 1) == dt.datetime(2027, 1, 5, tzinfo=SHANGHAI)


def test_command_without_data_fails_clearly() -> None:
    with pytest.raises(CommandError, match="没有 2030 年的数据"):
        call_command("calendar_load", year=2030)
    assert not CalendarYear.objects.filter(year=2030).exists()


def test_chinesecalendar_matches_the_seed() -> None:
    rules = schedule_from_chinesecalendar(year=2026)
    makeup = sorted(r.date for r in rules if r.workday)
    assert makeup == [
        dt.date(2026, 1, 4),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 28),
        dt.date(2026, 5, 9),
        dt.date(2026, 9, 20),
        dt.date(2026, 10, 10),
    ]
    seeded = set(CalendarDay.objects.filter(date__year=2026, kind="makeup").values_list("date", flat=True))
    assert seeded == set(makeup)


def test_admin_upload(client: Any, django_user_model: Any) -> None:
    admin = django_user_model.objects.create_superuser(username="root", password="pw-admin-123", role="admin")
    client.force_login(admin)
    upload = SimpleUploadedFile("2027.txt", SCHEDULE_2027.encode())
    resp = client.post("/admin/workdays/calendaryear/upload/", {"year": 2027, "schedule": upload})
    assert resp.status_code == 302, resp.content[:500]
    assert CalendarYear.objects.get(year=2027).source == "upload 2027.txt"
    bad = SimpleUploadedFile("bad.txt", b"2027-02-30 holiday\n")
    resp = client.post("/admin/workdays/calendaryear/upload/", {"year": 2027, "schedule": bad})
    assert resp.status_code == 200
    assert "第 1 行" in resp.content.decode()
