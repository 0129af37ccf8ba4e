"""RegistrySource: "can this material be supplied from data we already hold for this person?"

One small interface; the built-in sources read the registry tables, and a real data exchange
(X-Road style) replaces any of them through settings.REGISTRY_SOURCES without code changes.
A supply never carries more than the material needs, and masks what it shows.

The built-in sources also accept the ``Person`` already loaded (``person_for_sources``), so that
asking several of them for one person reads the person once (``registry_supply_many``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from django.db import connection

from tongban.common.masking import mask_address
from tongban.registry.models import (
    Dog,
    DriverLicence,
    Education,
    Household,
    MedicalCheck,
    Person,
    Vehicle,
)


@dataclass(frozen=True)
class Supplied:
    """Proof that a material is on file: which source, when it was read, and what it says."""

    source: str
    label: str
    fetched_at: dt.datetime
    reference: str
    facts: dict[str, Any] = field(default_factory=dict)


class RegistrySource(Protocol):
    """A source of data the bureau holds; ``supply`` returns None when it has nothing usable."""

    code: str
    label: str

    def supply(self, *, id_number: str, at: dt.datetime) -> Supplied | None: ...


class _Builtin:
    code: ClassVar[str]
    label: ClassVar[str]
    takes_person: ClassVar[bool] = True  # supply() accepts a preloaded ``person``

    def _person(self, id_number: str, person: Person | None) -> Person | None:
        if person is not None:
            return person
        return Person.objects.select_related("household__address").filter(id_number=id_number).first()

    def _supplied(self, at: dt.datetime, reference: str, **facts: Any) -> Supplied:
        return Supplied(self.code, self.label, at, reference, facts)


def _owned(field: str, id_number: str, person: Person | None) -> dict[str, Any]:
    """Filter rows by their owner: the loaded person's key (no join) or the ID number."""
    return {f"{field}_id": person.pk} if person is not None else {f"{field}__id_number": id_number}


class HukouSource(_Builtin):
    """户籍: the household register (registered address, household number, relation)."""

    code = "hukou"
    label = "户籍信息"

    def supply(self, *, id_number: str, at: dt.datetime, person: Person | None = None) -> Supplied | None:
        person = self._person(id_number, person)
        if person is None:
            return None
        if person.household_id is not None and not Person.household.is_cached(person):
            person.household = Household.objects.select_related("address").get(pk=person.household_id)
        if person.household is None:
            return self._supplied(at, f"hukou:{person.hukou_region}", hukou_region=person.hukou_region, local=False)
        return self._supplied(
            at,
            f"household:{person.household.number}",
            household=person.household.number,
            relation=person.relation,
            address=mask_address(person.household.address.full, 12),
            hukou_region=person.hukou_region,
            local=True,
        )


_ID_CARD_SQL = (
    "SELECT expires_on FROM registry_identitydocument WHERE person_id = %s AND kind = 'id_card' "
    "ORDER BY issued_on DESC, id DESC LIMIT 1"
)
# ``person_for_sources`` reads the current card with the person, in the same statement, and keeps
# it on the loaded person under this attribute: ``(expires_on,)``, or None when there is no card.
ID_CARD_ATTR = "_registry_id_card"
_UNREAD = object()


class IdCardSource(_Builtin):
    """居民身份证: the person's identity record (for 'ID card only' items)."""

    code = "id_card"
    label = "居民身份证信息"

    def supply(self, *, id_number: str, at: dt.datetime, person: Person | None = None) -> Supplied | None:
        person = self._person(id_number, person)
        if person is None:
            return None
        doc: Any = getattr(person, ID_CARD_ATTR, _UNREAD)
        if doc is _UNREAD:  # asked on most submissions: plain SQL, no query compiling
            with connection.cursor() as cursor:
                cursor.execute(_ID_CARD_SQL, [person.pk])
                doc = cursor.fetchone()
        facts: dict[str, Any] = {"name_on_file": True, "birth_date": person.birth_date.isoformat()}
        if doc is not None:
            facts["expires_on"] = doc[0].isoformat() if doc[0] else None
        return self._supplied(at, f"person:{person.pk}", **facts)


class DriverLicenceSource(_Builtin):
    """车驾管: the driving licence on file."""

    code = "driver_licence"
    label = "驾驶证信息"

    def supply(self, *, id_number: str, at: dt.datetime, person: Person | None = None) -> Supplied | None:
        lic = DriverLicence.objects.filter(**_owned("person", id_number, person)).first()
        if lic is None:
            return None
        return self._supplied(
            at,
            f"licence:{lic.pk}",
            vehicle_class=lic.vehicle_class,
            valid_until=lic.valid_until.isoformat(),
            status=lic.status,
        )


class VehicleSource(_Builtin):
    """车驾管: vehicles registered to the person."""

    code = "vehicle"
    label = "机动车登记信息"

    def supply(self, *, id_number: str, at: dt.datetime, person: Person | None = None) -> Supplied | None:
        vehicles = list(Vehicle.objects.filter(**_owned("owner", id_number, person)).order_by("plate")[:20])
        if not vehicles:
            return None
        return self._supplied(
            at,
            "vehicles:" + ",".join(v.plate for v in vehicles),
            vehicles=[
                {"plate": v.plate, "kind": v.kind, "length_mm": v.length_mm, "gross_kg": v.gross_kg} for v in vehicles
            ],
        )


class MedicalCheckSource(_Builtin):
    """Hospitals: the latest passed driver medical check still in date."""

    code = "medical_check"
    label = "驾驶人体检信息"

    def supply(self, *, id_number: str, at: dt.datetime, person: Person | None = None) -> Supplied | None:
        check = (
            MedicalCheck.objects.filter(**_owned("person", id_number, person), passed=True, valid_until__gte=at.date())
            .order_by("-checked_on")
            .first()
        )
        if check is None:
            return None
        return self._supplied(
            at,
            f"medical:{check.pk}",
            hospital=check.hospital,
            checked_on=check.checked_on.isoformat(),
            valid_until=check.valid_until.isoformat(),
        )


class EducationSource(_Builtin):
    """The education ministry exchange: highest degree and graduation date."""

    code = "education"
    label = "学历信息"

    def supply(self, *, id_number: str, at: dt.datetime, person: Person | None = None) -> Supplied | None:
        person = self._person(id_number, person)
        if person is None or person.education in (Education.NONE, ""):
            return None
        return self._supplied(
            at,
            f"education:{person.pk}",
            education=person.education,
            graduated_on=person.graduated_on.isoformat() if person.graduated_on else None,
        )


class DogVaccinationSource(_Builtin):
    """Animal clinics: rabies vaccinations of the person's dogs still in date."""

    code = "dog_vaccination"
    label = "犬只免疫信息"

    def supply(self, *, id_number: str, at: dt.datetime, person: Person | None = None) -> Supplied | None:
        dogs = list(Dog.objects.filter(**_owned("owner", id_number, person), vaccine_valid_until__gte=at.date()))
        if not dogs:
            return None
        return self._supplied(
            at,
            "dogs:" + ",".join(d.chip for d in dogs),
            dogs=[
                {"name": d.name, "breed": d.breed, "chip": d.chip, "valid_until": d.vaccine_valid_until.isoformat()}
                for d in dogs
            ],
        )
