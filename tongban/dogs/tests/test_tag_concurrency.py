"""Two dog licences issued at the same moment get different tag numbers (PostgreSQL, real
threads): the tag is drawn from the city's counter under a row lock, not from a count of the
licences already issued."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from typing import Any
from unittest import mock

import pytest
from django.db import connections

from tongban.certificates.models import Certificate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_licences_issued_at_once_get_distinct_tags(personas: Any, now: dt.datetime) -> None:
    from tongban.cases.services import case_submit
    from tongban.catalog.selectors import items_list
    from tongban.catalog.services import catalog_load
    from tongban.certificates import services as cert_services
    from tongban.common.clock import now as clock_now
    from tongban.common.lookups import forget_all
    from tongban.outlets.models import OutletItem
    from tongban.registry.models import Dog

    at = clock_now()  # the vaccination rule reads today's date
    catalog_load(at=at)
    OutletItem.objects.bulk_create([OutletItem(outlet=personas.outlet, item_code=i.code) for i in items_list()])
    personas.outlet.bureau = "杭州市公安局西湖分局"
    personas.outlet.save()
    forget_all()
    owners = [personas.citizen, personas.other_citizen]
    for i, owner in enumerate(owners):
        Dog.objects.create(
            owner_id=owner.person_id,
            name=f"豆豆{i}",
            breed="柯基",
            chip=f"CHIP-T{i}",
            vaccinated_on=at.date() - dt.timedelta(days=30),
            vaccine_valid_until=at.date() + dt.timedelta(days=300),
        )

    # Both renewals reach the certificate's issue together: each has its tag by then. With a
    # drawn tag the second waits on the counter's lock, the barrier times out and it goes on.
    barrier = threading.Barrier(len(owners))
    issue = cert_services.certificate_issue

    def issue_together(**kw: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return issue(**kw)

    errors: list[BaseException] = []

    def renew(i: int) -> None:
        try:
            case_submit(
                actor=owners[i], item_code="dog_licence_renew", form={"chip": f"CHIP-T{i}"}, channel="online", now=at
            )
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    with mock.patch.object(cert_services, "certificate_issue", issue_together):
        threads = [threading.Thread(target=renew, args=(i,)) for i in range(len(owners))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    tags = sorted(
        str(t) for t in Certificate.objects.filter(template="DOG").values_list("facts__tag_number", flat=True)
    )
    assert len(tags) == 2
    assert tags == ["3301-000001", "3301-000002"], tags
