"""Registry reads: people, their households and things, and the material sources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from tongban.common.access import access_get
from tongban.common.masking import mask_address, mask_id_number, mask_name, mask_phone
from tongban.common.roles import Role
from tongban.registry.models import Person
from tongban.registry.sources import OnFile, RegistrySource, Supplied
from tongban.registry.sql import person_row


def person_by_id_number(*, id_number: str) -> Person | None:
    """The registry person with this ID number, unscoped (for account matching only)."""
    return Person.objects.filter(id_number=id_number).first()


def person_for_sources(*, id_number: str | None = None, pk: int | None = None) -> Person | None:
    """The person by key or ID number; None when unknown (see ``person_on_file``)."""
    found = person_on_file(id_number=id_number, pk=pk)
    return None if found is None else found.person


def person_on_file(*, id_number: str | None = None, pk: int | None = None) -> OnFile | None:
    """The person by key or ID number with their current ID card, to pass to
    ``registry_supply_many``; None when unknown.

    Every submission reads its applicant here, with the current ID card that most items ask
    ``IdCardSource`` for: one statement, in plain SQL where it was measured to pay (registry/sql.py).
    """
    return person_row(id_number=id_number, pk=pk)


def person_get(*, user: Any, id_number: str) -> Person:
    """A person the user may read, with household, residence and things. Raises NotFound."""
    qs = Person.objects.select_related("household", "household__address", "residence", "driver_licence")
    return access_get(user, qs, id_number=id_number)


def person_detail(*, person: Person) -> dict[str, Any]:
    """Everything a page or the API shows about a person, already fetched (no template queries)."""
    members = []
    if person.household_id is not None:
        members = list(
            Person.objects.filter(household_id=person.household_id)
            .order_by("birth_date")
            .values("id_number", "name", "relation", "gender", "birth_date")
        )
    return {
        "person": person,
        "household": person.household,
        "members": members,
        "documents": list(person.documents.order_by("kind", "-issued_on")),
        "licence": getattr(person, "driver_licence", None),
        "vehicles": list(person.vehicles.order_by("plate")),
        "medical_checks": list(person.medical_checks.order_by("-checked_on")[:3]),
        "dogs": list(person.dogs.order_by("name")),
    }


@cache
def registry_sources() -> dict[str, RegistrySource]:
    """The configured sources, code → adapter (settings.REGISTRY_SOURCES)."""
    return {code: import_string(path)() for code, path in settings.REGISTRY_SOURCES.items()}


def registry_supply(*, source: str, id_number: str, at: dt.datetime) -> Supplied | None:
    """Ask one source whether it can supply a material for this person; None when it cannot.

    Raises KeyError for a source code that is not configured (a catalog error, caught at load).
    """
    return registry_sources()[source].supply(id_number=id_number, at=at)


def registry_supply_many(
    *, sources: Iterable[str], id_number: str, at: dt.datetime, on_file: OnFile | None = None
) -> dict[str, Supplied | None]:
    """Ask several sources at once, each once: source → what it supplies, or None.

    The built-in sources share one read of the person (none when ``on_file``, loaded by
    ``person_on_file`` for this ``id_number``, is given); other adapters are asked as
    ``registry_supply`` asks them. Raises KeyError for a source code that is not configured.
    """
    adapters = registry_sources()
    chosen = {code: adapters[code] for code in dict.fromkeys(sources)}
    if on_file is None and sum(1 for a in chosen.values() if getattr(a, "takes_person", False)) > 1:
        on_file = person_on_file(id_number=id_number)
    return {code: _ask(a, id_number=id_number, at=at, on_file=on_file) for code, a in chosen.items()}


def _ask(adapter: RegistrySource, *, id_number: str, at: dt.datetime, on_file: OnFile | None) -> Supplied | None:
    if on_file is not None and getattr(adapter, "takes_person", False):
        supply: Any = adapter.supply  # a built-in source: it also takes the loaded person
        return supply(id_number=id_number, at=at, on_file=on_file)
    return adapter.supply(id_number=id_number, at=at)


def sees_own(user: Any, person: Any) -> bool:
    """A citizen looking at their own record sees it unmasked."""
    return getattr(user, "role", None) in (Role.CITIZEN, Role.ENTERPRISE) and user.person_id == person.pk


def person_view(*, user: Any, detail: dict[str, Any]) -> dict[str, Any]:
    """The person's detail as this viewer may see it: masked unless it is their own record."""
    person = detail["person"]
    own = sees_own(user, person)

    def idn(v: str) -> str:
        return v if own else mask_id_number(v)

    def name(v: str) -> str:
        return v if own else mask_name(v)

    household = detail["household"]
    address = (
        household.address.full if household is not None else (person.residence.full if person.residence_id else None)
    )
    return {
        "id_number": idn(person.id_number),
        "name": person.name if own or getattr(user, "role", None) != Role.AUDITOR else mask_name(person.name),
        "gender": person.gender,
        "birth_date": person.birth_date,
        "ethnicity": person.ethnicity,
        "phone": person.phone if own else mask_phone(person.phone),
        "hukou_region": person.hukou_region,
        "household": household.number if household is not None else None,
        "address": address if own or address is None else mask_address(address, 12),
        "education": person.education,
        # Members' ID numbers are masked for everyone, their own household included: the page
        # never shows them, and an account is not a reason to hand out a family's numbers.
        "members": [
            {**m, "id_number": mask_id_number(m["id_number"]), "name": name(m["name"]) if not own else m["name"]}
            for m in detail["members"]
        ],
        "driver_licence_class": detail["licence"].vehicle_class if detail["licence"] else None,
        "vehicles": [v.plate for v in detail["vehicles"]],
        "masked": not own,
    }


def registry_population() -> int:
    """How many people the registry holds."""
    return Person.objects.count()


def demo_person_candidates(*, limit: int = 3) -> list[Person]:
    """Adults with a local household and a driving licence: good demo citizens."""
    return list(
        Person.objects.filter(
            household__isnull=False, driver_licence__isnull=False, birth_date__year__range=(1975, 1998)
        )
        .select_related("household")
        .order_by("id")[:limit]
    )


def walk_in_candidate() -> Person | None:
    """A migrant adult with no account: the clerk's walk-in applicant for a residence permit."""
    return (
        Person.objects.filter(
            household__isnull=True, residence__isnull=False, account__isnull=True, birth_date__year__range=(1980, 2000)
        )
        .order_by("id")
        .first()
    )


def registry_population_points() -> Iterator[tuple[float, float, str]]:
    """(lat, lng, district code) of every person with a located address, streamed.

    The residence wins over the household address; people without coordinates are skipped.
    Used by the outlets module's 15-minute coverage grid.
    """
    from django.db.models import F
    from django.db.models.functions import Coalesce

    qs = (
        Person.objects.annotate(
            plat=Coalesce(F("residence__lat"), F("household__address__lat")),
            plng=Coalesce(F("residence__lng"), F("household__address__lng")),
            pdist=Coalesce(F("residence__district_code"), F("household__address__district_code")),
        )
        .filter(plat__isnull=False, plng__isnull=False)
        .values_list("plat", "plng", "pdist")
    )
    for lat, lng, dist in qs.iterator(chunk_size=20_000):
        yield lat, lng, dist or ""


def region_names(*, codes: list[str]) -> dict[str, str]:
    """The names of these administrative regions (codes the registry does not know are left out)."""
    from tongban.registry.models import Region

    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def region_name(code: str) -> str:
    """A region's name for people: the region itself, else its city or province (a code from
    outside the registry's regions), else "" (never the bare code)."""
    if not code:
        return ""
    candidates = [code, code[:4] + "00", code[:2] + "0000"]
    names = region_names(codes=candidates)
    return next((names[c] for c in candidates if c in names), "")
