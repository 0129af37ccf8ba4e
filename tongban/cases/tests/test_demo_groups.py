"""``make demo`` (``tongban demo-setup``) shows a completed case with its result for each item
group: 户政, 出入境, 交管, 治安 and 微安居 (issue 15)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

GROUPS = ("huzheng", "churujing", "jiaoguan", "zhian", "微安居")


def test_the_demo_has_a_completed_case_with_its_result_per_item_group(settings: Any, tmp_path: Any) -> None:
    from tongban.cases.demo import demo_groups
    from tongban.cases.models import Case, CaseEvent
    from tongban.catalog.selectors import item_get
    from tongban.certificates.models import Certificate

    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"
    settings.NOTIFY_OUTBOX_DIR = tmp_path / "outbox"
    out = io.StringIO()
    call_command("demo_setup", people=2500, seed=2026, stdout=out)
    groups = demo_groups()
    # 微安居 is the rental-housing items by their data, the others their department's remaining items
    assert groups["微安居"] == {"rental_registration", "tenant_declaration"}
    assert sorted(groups) == sorted(GROUPS)
    for group in GROUPS:
        done = Case.objects.filter(item_code__in=groups[group], status="completed").order_by("pk")
        assert done.exists(), f"no completed demo case for {group}\n{out.getvalue()}"
        case = done.first()
        assert case is not None
        item = item_get(code=case.item_code)
        assert CaseEvent.objects.filter(case=case, to_status="result_issued").exists()
        if item.result.kind == "certificate":
            certificate = Certificate.objects.filter(number=case.result_reference).first()
            assert certificate is not None, f"{group}: {case.number} ({case.item_code}) has no certificate"
            assert certificate.template == item.result.certificate_template and not certificate.revoked
    # a second run adds no finished cases
    before = Case.objects.filter(status="completed").count()
    call_command("demo_setup", people=2500, seed=2026, stdout=io.StringIO())
    assert Case.objects.filter(status="completed").count() == before
