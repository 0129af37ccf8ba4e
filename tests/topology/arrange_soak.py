"""Accounts for the soak (bench/bench_soak.py), written after ``tongban demo-setup``: N citizens whose
online no-criminal-record applications are handled in one district, clerks at the outlet the intake
routes those cases to (as tests/topology/arrange.py: the item's jurisdiction, a staffed outlet of
its kinds), and 治安 approvers. ``python -m tests.topology.arrange_soak CITIZENS STAFF``; prints JSON."""

from __future__ import annotations

import json
import sys

import django


def main() -> None:
    django.setup()
    from tongban.accounts.models import User
    from tongban.cases.outcomes import UNSTAFFED, handling_kinds, handling_region
    from tongban.cases.selectors import item_spec
    from tongban.catalog.selectors import items_list
    from tongban.common.roles import Department, Role
    from tongban.outlets.selectors import outlets_for_item
    from tongban.registry.models import Person

    n_citizens, n_staff = int(sys.argv[1]), int(sys.argv[2])
    item = item_spec(code="no_criminal_record")
    outlets = outlets_for_item(item_code=item.code)
    bookable = outlets.filter(bookable=True).first()
    assert bookable is not None, "no bookable outlet handles no_criminal_record"
    region = bookable.region_code
    routed = outlets.filter(region_code=region).exclude(kind__in=UNSTAFFED)
    kinds = handling_kinds(item)
    handling = (routed.filter(kind__in=kinds) if kinds else routed).first()
    assert handling is not None, f"no staffed outlet of {region} handles no_criminal_record"
    candidates = (
        Person.objects.filter(
            hukou_region=region, account__isnull=True, birth_date__year__lte=2000, documents__kind="id_card"
        )
        .select_related("residence")
        .distinct()
        .order_by("id_number")
    )
    # an online application is handled where the item's jurisdiction says (no accepting window)
    people = [p for p in candidates if handling_region(item=item, person=p, outlet=None) == region][:n_citizens]
    assert len(people) == n_citizens, f"{len(people)} people of {region} for {n_citizens} simulated citizens"
    password = "Soak-pass-2026!"
    citizens = []
    for person in people:
        User.objects.create_user(
            username=person.id_number, password=password, role=Role.CITIZEN, id_number=person.id_number,
            real_name=person.name, phone=person.phone or "", person=person,
        )  # fmt: skip
        citizens.append({"username": person.id_number, "password": password})
    clerks, approvers = [], []
    for i in range(n_staff):
        User.objects.create_user(username=f"soak-clerk-{i}", password=password, role=Role.CLERK, real_name=f"窗口{i}",
                                 outlet=handling)  # fmt: skip
        User.objects.create_user(username=f"soak-approver-{i}", password=password, role=Role.APPROVER,
                                 real_name=f"治安{i}", department=Department.ZHIAN)  # fmt: skip
        clerks.append({"username": f"soak-clerk-{i}", "password": password})
        approvers.append({"username": f"soak-approver-{i}", "password": password})
    print(
        json.dumps(
            {
                "citizens": citizens,
                "clerks": clerks,
                "approvers": approvers,
                "outlet": bookable.code,
                "items": [i.code for i in items_list()][:20],
            }
        )
    )


if __name__ == "__main__":
    main()
