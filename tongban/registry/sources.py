"""RegistrySource: "can this material be supplied from data we already hold for this person?"

One small interface; the built-in sources read the registry tables, and a real data exchange
(X-Road style) replaces any of them through settings.REGISTRY_SOURCES without code changes.
A supply never carries more than the material needs, and masks what it shows.

The built-in sources also accept the person already loaded (``OnFile``, from ``person_on_file``), so
that asking several of them for one person reads the person once (``registry_supply_many``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from tongban.common.masking import mask_address
from tongban.registry.models import (
    Dog,
    DriverLicence,
    Education,
    Household,
    IdentityDocument,
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


@dataclass(frozen=True)
class IdCard:
    """The person's current 居民身份证 as the registry holds it (``expires_on`` None: 长期)."""

    expires_on: dt.date | None


@dataclass(frozen=True)
class OnFile:
    """A person loaded once for several sources, with their current ID card (None: no card)."""

    person: Person
    id_card: IdCard | None


class RegistrySource(Protocol):
    """A source of data the bureau holds; ``supply`` returns None when it has nothing usable."""

    code: str
    label: str

    def supply(self, *, id_number: str, at: dt.datetime) -> Supplied | None: ...


class _Builtin:
    code: ClassVar[str]
    label: ClassVar[str]
    takes_person: ClassVar[bool] = True  # supply() accepts a preloaded ``on_file``

    def _person(self, id_number: str, on_file: OnFile | None) -> Person | None:
        if on_file is not None:
            return on_file.person
        return Person.objects.select_related("household__address").filter(id_number=id_number).first()

    def _supplied(self, at: dt.datetime, reference: str, **facts: Any) -> Supplied:
        return Supplied(self.code, self.label, at, reference, facts)


def _owned(field: str, id_number: str, on_file: OnFile | None) -> dict[str, Any]:
    """Filter rows by their owner: the loaded person's key (no join) or the ID number."""
    return {f"{field}_id": on_file.person.pk} if on_file is not None else {f"{field}__id_number": id_number}


class HukouSource(_Builtin):
    """户籍: the household register (registered address, household number, relation)."""

    code = "hukou"
    label = "户籍信息"

    def supply(self, *, id_number: str, at: dt.datetime, on_file: OnFile | None = None) -> Supplied | None:
        person = self._person(id_number, on_file)
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


def id_card_of(person_id: int) -> IdCard | None:
    """The person's current ID card: the latest issued (None when the registry holds none)."""
    cards = IdentityDocument.objects.filter(person_id=person_id, kind="id_card").order_by("-issued_on", "-id")
    found = cards.values_list("expires_on", flat=True)[:1]
    return IdCard(found[0]) if found else None


class IdCardSource(_Builtin):
    """居民身份证: the person's identity record (for 'ID card only' items)."""

    code = "id_card"
    label = "居民身份证信息"

    def supply(self, *, id_number: str, at: dt.datetime, on_file: OnFile | None = None) -> Supplied | None:
        person = self._person(id_number, on_file)
        if person is None:
            return None
        card = on_file.id_card if on_file is not None else id_card_of(person.pk)
        facts: dict[str, Any] = {"name_on_file": True, "birth_date": person.birth_date.isoformat()}
        if card is not None:
            facts["expires_on"] = card.expires_on.isoformat() if card.expires_on else None
        return self._supplied(at, f"person:{person.pk}", **facts)


class DriverLicenceSource(_Builtin):
    """车驾管: the driving licence on file."""

    code = "driver_licence"
    label = "驾驶证信息"

    def supply(self, *, id_number: str, at: dt.datetime, on_file: OnFile | None = None) -> Supplied | None:
        lic = DriverLicence.objects.filter(**_owned("person", id_number, on_file)).first()
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

    def supply(self, *, id_number: str, at: dt.datetime, on_file: OnFile | None = None) -> Supplied | None:
        vehicles = list(Vehicle.objects.filter(**_owned("owner", id_number, on_file)).order_by("plate")[:20])
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

    def supply(self, *, id_number: str, at: dt.datetime, on_file: OnFile | None = None) -> Supplied | None:
        check = (
            MedicalCheck.objects.filter(**_owned("person", id_number, on_file), passed=True, valid_until__gte=at.date())
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

    def supply(self, *, id_number: str, at: dt.datetime, on_file: OnFile | None = None) -> Supplied | None:
        person = self._person(id_number, on_file)
        if person is None or person.education in (Education.NONE, ""):
            return None
        return self._supplied(
            at,
            f"education:{person.pk}",
            education=person.education,
            graduated_on=person.graduated_on.isoformat() if person.graduated_on else None,
        )


class DogVaccinationSource(_Builtin):
    """Animal clinics: the rabies vaccination record of each of the person's dogs, by chip, latest
    first. Expired records are supplied too: an item's rule checks the record of the dog applied
    for (``dog_vaccination.dogs[chip=form.chip].valid_until``) against the application day."""

    code = "dog_vaccination"
    label = "犬只免疫信息"

    def supply(self, *, id_number: str, at: dt.datetime, on_file: OnFile | None = None) -> Supplied | None:
        dogs = list(
            Dog.objects.filter(**_owned("owner", id_number, on_file)).order_by("-vaccine_valid_until", "chip")[:20]
        )
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
