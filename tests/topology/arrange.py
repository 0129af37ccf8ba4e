"""Test data for the topology journey, written once in the production environment after
``tongban demo-setup``: a registered-nowhere citizen who may apply for a residence permit (household
registration outside the city, residence registered in it, a current ID card), and the clerk of the
outlet that handles its case: a 居住证 is handled where the applicant lives (the item's
``jurisdiction: residence``), by the first staffed outlet of the item's kinds there, as the intake
routes it.
Prints what the journey needs as JSON."""

from __future__ import annotations

import json

import django


def main() -> None:
    django.setup()
    from tongban.accounts.models import User
    from tongban.cases.outcomes import UNSTAFFED, handling_kinds
    from tongban.cases.selectors import item_spec
    from tongban.common.roles import Role
    from tongban.outlets.models import Outlet, OutletItem
    from tongban.outlets.selectors import outlets_for_item
    from tongban.registry.models import Person
    from tongban.registry.selectors import demo_person_candidates
    from tongban.web.demo import DEMO_PASSWORD

    city = "3301"
    person = (
        Person.objects.exclude(hukou_region__startswith=city)
        .filter(
            residence__district_code__startswith=city,
            account__isnull=True,
            documents__kind="id_card",
            birth_date__year__lte=1995,
        )
        .order_by("id_number")
        .first()
    )
    assert person is not None, "the demo city has no non-local adult resident without an account"
    region = person.residence.district_code
    item = item_spec(code="residence_permit")
    routed = outlets_for_item(item_code=item.code).filter(region_code=region).exclude(kind__in=UNSTAFFED)
    kinds = handling_kinds(item)
    outlet = (routed.filter(kind__in=kinds) if kinds else routed).first()
    if outlet is None:
        outlet, _ = Outlet.objects.get_or_create(
            code=f"{region}-PS-T01",
            defaults={
                "name": "居住地派出所（拓扑测试）",
                "kind": "police_station",
                "region_code": region,
                "lat": 30.27,
                "lng": 120.15,
            },
        )
        OutletItem.objects.get_or_create(outlet=outlet, item_code="residence_permit")
    # The demo's second citizen (``demo-setup`` printed it): the city is generated as of the day it
    # was set up, so who that is depends on the date.
    other = demo_person_candidates(limit=2)[1]
    clerk = User.objects.filter(username="topo-clerk").first() or User.objects.create_user(
        username="topo-clerk", password="Topo-clerk-2026!", role=Role.CLERK, real_name="拓扑窗口", outlet=outlet
    )
    print(
        json.dumps(
            {
                "citizen": {"id_number": person.id_number, "name": person.name},
                "clerk": {"username": clerk.username, "password": "Topo-clerk-2026!"},
                "approver": {"username": "approver-huzheng", "password": DEMO_PASSWORD},
                "other_citizen": {"username": other.id_number, "password": DEMO_PASSWORD},
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
