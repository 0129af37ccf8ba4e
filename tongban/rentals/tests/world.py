"""微安居 objects of the access matrix's world (tests/security/world.py): citizen A's approved
home with citizen B declared as tenant, and an open hazard there."""

from __future__ import annotations

import datetime as dt
from typing import Any


def plant_rentals(personas: Any, now: dt.datetime) -> dict[str, str]:
    """Placeholders: ``rental_a`` (a property number), ``rental_token`` (its QR token),
    ``tenancy_a``, ``hazard_a`` and ``question_a`` (A's question to the test station) (ids)."""
    from tongban.outlets.selectors import outlet_snapshot_clear
    from tongban.rentals.hazards import hazard_record
    from tongban.rentals.helpdesk import question_ask
    from tongban.rentals.services import property_declare, property_review, property_token, tenancy_declare

    outlet_snapshot_clear()
    a, b, officer = personas.citizen, personas.other_citizen, personas.approvers["zhian"]
    prop = property_declare(landlord=a, address_id=a.person.household.address_id, rooms=2, capacity=4, now=now)
    prop = property_review(number=prop.number, actor=officer, approve=True, now=now)
    token = property_token(prop)
    tenancy = tenancy_declare(token=token, tenant=b, moved_in_on=dt.date(2026, 3, 1), now=now)
    hazard = hazard_record(number=prop.number, actor=officer, kind="fire", note="未配置灭火器", working_days=5, now=now)
    question = question_ask(asker=a, station_id=personas.outlet.pk, text="矩阵测试问题", now=now)
    return {
        "rental_a": prop.number,
        "rental_token": token,
        "tenancy_a": str(tenancy.pk),
        "hazard_a": str(hazard.pk),
        "question_a": str(question.pk),
    }
