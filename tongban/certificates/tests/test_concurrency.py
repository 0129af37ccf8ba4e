"""Certificate numbers stay unique and gap-free when many approvals issue at once (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tongban.certificates.models import Certificate

from .conftest import SAMPLE_FACTS

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_issues_get_distinct_consecutive_numbers(
    personas: Any, now: dt.datetime, settings: Any, tmp_path: Path
) -> None:
    from tongban.certificates.services import certificate_issue
    from tongban.certificates.signing import current_signer

    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"
    current_signer(now=now)  # create the key before the threads race for it

    def issue(i: int) -> str:
        try:
            return certificate_issue(
                template="NCR", holder_id_number=personas.citizen.id_number, holder_name="张三",
                facts=SAMPLE_FACTS["NCR"], case_number=f"C-{i}", issued_at=now,
            ).number  # fmt: skip
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(issue, range(30)))
    assert sorted(numbers) == [f"NCR-2026-{i:08d}" for i in range(1, 31)]
    assert Certificate.objects.count() == 30
