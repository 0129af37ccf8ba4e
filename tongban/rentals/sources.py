"""租房记录 as a registry source: the months an applicant has lived in landlord-confirmed
tenancies (read by the 居住证 half-year residence rule as ``tenancy.months``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongban.registry.selectors import person_by_id_number
from tongban.registry.sources import Supplied


class TenancySource:
    """Supplies ``months`` (whole months of the current run of confirmed stays) when the person
    has a confirmed stay running; None otherwise, so the applicant's own declaration applies."""

    code = "tenancy"
    label = "租房记录"
    takes_person = True

    def supply(self, *, id_number: str, at: dt.datetime, person: Any = None, on_file: Any = None) -> Supplied | None:
        """``on_file`` (a registry OnFile, passed when several sources share one read of the
        person) or ``person`` spare the lookup."""
        from tongban.rentals.selectors import months_of_residence

        if person is None and on_file is not None:
            person = on_file.person
        person = person if person is not None else person_by_id_number(id_number=id_number)
        if person is None:
            return None
        months = months_of_residence(person, at)
        if months == 0:
            return None
        return Supplied(self.code, self.label, at, f"tenancy:{person.pk}", {"months": months})
