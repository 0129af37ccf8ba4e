"""The dog demo loads licensed dogs, violations and reports once."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from tongban.certificates.models import Certificate
from tongban.dogs.demo import demo_load
from tongban.dogs.models import Report, Violation
from tongban.registry.models import Dog

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent(personas: Any, now: dt.datetime) -> None:
    for i in range(3):
        Dog.objects.create(
            owner=personas.other_citizen.person, name=f"狗{i}", breed="柯基", chip=f"CHIP-{i}",
            vaccinated_on=now.date(), vaccine_valid_until=now.date() + dt.timedelta(days=300),
        )  # fmt: skip
    demo_load(now=now, stdout=io.StringIO())
    tags = list(Certificate.objects.filter(template="DOG").values_list("facts__tag_number", flat=True))
    assert len(tags) == 3 and len(set(tags)) == 3
    assert Violation.objects.count() == 3 and Report.objects.count() == 2
    assert Report.objects.filter(state="closed").count() == 1
    demo_load(now=now, stdout=io.StringIO())
    assert Violation.objects.count() == 3 and Certificate.objects.filter(template="DOG").count() == 3
