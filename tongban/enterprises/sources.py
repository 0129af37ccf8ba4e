"""The registry source for vehicles registered to the enterprises a person administers
(settings.REGISTRY_SOURCES ``enterprise_vehicle``): how an enterprise's truck pass meets the
item's "registered vehicle" rule without anyone owning the truck personally."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongban.enterprises.models import FleetVehicle, MemberRole
from tongban.registry.sources import Supplied


class EnterpriseVehicleSource:
    """车管: trucks registered to an enterprise the person is an administrator of."""

    code = "enterprise_vehicle"
    label = "企业车辆登记信息"

    def supply(self, *, id_number: str, at: dt.datetime, person: Any = None) -> Supplied | None:
        vehicles = list(
            FleetVehicle.objects.filter(
                enterprise__memberships__person__id_number=id_number,
                enterprise__memberships__role=MemberRole.ADMIN,
            )
            .select_related("enterprise")
            .order_by("plate")[:200]
        )
        if not vehicles:
            return None
        return Supplied(
            self.code,
            self.label,
            at,
            "fleet:" + ",".join(v.plate for v in vehicles[:20]),
            {
                "vehicles": [
                    {
                        "plate": v.plate,
                        "body": v.body,
                        "length_mm": v.length_mm,
                        "gross_kg": v.gross_kg,
                        "enterprise": v.enterprise.uscc,
                    }
                    for v in vehicles
                ]
            },
        )
