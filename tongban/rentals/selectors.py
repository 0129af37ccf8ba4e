"""微安居 reads: a landlord's properties with their tenants and open hazards, a tenant's records,
the station's work, the figures by area, and months of residence for other items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from tongban.common.access import access_filter, access_get
from tongban.common.clock import local_today
from tongban.common.masking import mask_address, mask_name
from tongban.common.roles import Role
from tongban.rentals.limits import rental_limits
from tongban.rentals.models import Hazard, HazardState, PropertyState, RentalProperty, Tenancy, TenancyState

LIVE = (TenancyState.DECLARED, TenancyState.CONFIRMED)
PAGE = 20


def properties_visible(*, user: Any) -> QuerySet[RentalProperty]:
    """Properties the user may read: a landlord's own, a station's, a 治安 officer's, everything
    for administrators and auditors."""
    return access_filter(user, RentalProperty.objects.select_related("address", "station"))


def properties_mine(*, user: Any) -> list[RentalProperty]:
    """我的出租屋: the landlord's properties, each with ``tenants_now``, ``tenants_before`` and
    ``open_hazards`` loaded (three queries in all)."""
    if getattr(user, "role", "") != Role.CITIZEN:
        return []
    props = list(
        RentalProperty.objects.filter(landlord=user)
        .select_related("address")
        .prefetch_related(
            Prefetch("tenancies", queryset=Tenancy.objects.select_related("tenant_person").order_by("-moved_in_on")),
            Prefetch("hazards", queryset=Hazard.objects.exclude(state=HazardState.CLOSED).order_by("due_at")),
        )
        .order_by("-declared_at", "-pk")[:50]
    )
    for p in props:
        rows = labelled(list(p.tenancies.all()))
        p.tenants_now = [t for t in rows if t.state in LIVE]  # type: ignore[attr-defined]
        p.tenants_before = [t for t in rows if t.state not in LIVE]  # type: ignore[attr-defined]
        p.open_hazards = list(p.hazards.all())  # type: ignore[attr-defined]
    return props


def labelled(tenancies: list[Tenancy]) -> list[Tenancy]:
    """The tenancies with ``tenant_label``: the tenant's masked name (for landlords and pages)."""
    for t in tenancies:
        t.tenant_label = mask_name(t.tenant_person.name)  # type: ignore[attr-defined]
    return tenancies


def property_detail(*, user: Any, number: str) -> RentalProperty:
    """One property the user may read, with its tenancies and hazards loaded. Raises NotFound."""
    return access_get(
        user,
        RentalProperty.objects.select_related("address", "station", "landlord_person").prefetch_related(
            Prefetch("tenancies", queryset=Tenancy.objects.select_related("tenant_person")),
            Prefetch("hazards", queryset=Hazard.objects.order_by("-recorded_at")),
        ),
        number=number,
    )


def tenancies_visible(*, user: Any, property_number: str | None = None) -> QuerySet[Tenancy]:
    """租房记录: tenancies the user may read (a tenant's own, a landlord's tenants', a station's)."""
    qs = access_filter(user, Tenancy.objects.select_related("property__address", "tenant_person"))
    if property_number:
        qs = qs.filter(property__number=property_number)
    return qs.order_by("-moved_in_on", "-pk")


def tenancies_as_tenant(*, user: Any) -> list[Tenancy]:
    """The tenant's own records (not the ones of their properties as a landlord)."""
    if getattr(user, "person_id", None) is None:
        return []
    stays = list(
        Tenancy.objects.filter(tenant_person_id=user.person_id)
        .select_related("property__address")
        .order_by("-moved_in_on", "-pk")[:PAGE]
    )
    for t in stays:  # the landlord's address record, shown to the tenant as far as the building
        t.address_label = mask_address(t.property.address.full, 14)  # type: ignore[attr-defined]
    return stays


def hazards_visible(*, user: Any, state: str | None = None) -> QuerySet[Hazard]:
    """Hazards the user may read, soonest deadline first."""
    qs = access_filter(user, Hazard.objects.select_related("property__address"))
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("due_at", "pk")


def hazard_get(*, user: Any, pk: int) -> Hazard:
    """One hazard the user may read. Raises NotFound."""
    return access_get(user, Hazard.objects.select_related("property__address"), pk=pk)


def station_work(*, user: Any, now: dt.datetime) -> dict[str, Any]:
    """The officer's work list: declarations to review, hazards reported rectified, overdue ones."""
    props = properties_visible(user=user)
    hazards = access_filter(user, Hazard.objects.select_related("property__address"))
    return {
        "pending": list(props.filter(state=PropertyState.PENDING).order_by("declared_at")[:PAGE]),
        "rectified": list(hazards.filter(state=HazardState.RECTIFIED).order_by("rectified_at")[:PAGE]),
        "overdue": list(hazards.filter(state=HazardState.OPEN, due_at__lt=now).order_by("due_at")[:PAGE]),
        "approved": list(props.filter(state=PropertyState.APPROVED).order_by("-reviewed_at")[:PAGE]),
    }


def is_overdue(hazard: Hazard, now: dt.datetime) -> bool:
    """An open hazard past its deadline."""
    return hazard.state == HazardState.OPEN and hazard.due_at < now


@dataclass(frozen=True)
class AreaFigures:
    district_code: str
    name: str
    properties: int
    approved: int
    tenants: int
    tenants_now: int
    hazards: int
    rectified: int
    overdue: int


def rental_figures(*, user: Any, now: dt.datetime) -> list[AreaFigures]:
    """Properties declared, tenants declared, hazards pushed / rectified (closed) / overdue, by
    district, over the rows the user may read (three grouped queries)."""
    from tongban.registry.selectors import region_names

    props = (
        properties_visible(user=user)
        .values("district_code")
        .annotate(n=Count("pk"), approved=Count("pk", filter=Q(state=PropertyState.APPROVED)))
    )
    tens = (
        access_filter(user, Tenancy.objects.all())
        .values("property__district_code")
        .annotate(n=Count("pk"), now=Count("pk", filter=Q(state__in=LIVE)))
    )
    hz = (
        access_filter(user, Hazard.objects.all())
        .values("property__district_code")
        .annotate(
            n=Count("pk"),
            closed=Count("pk", filter=Q(state=HazardState.CLOSED)),
            overdue=Count("pk", filter=Q(state=HazardState.OPEN, due_at__lt=now)),
        )
    )
    out: dict[str, dict[str, int]] = {}
    for row in props:
        out.setdefault(row["district_code"], {}).update(properties=row["n"], approved=row["approved"])
    for row in tens:
        out.setdefault(row["property__district_code"], {}).update(tenants=row["n"], tenants_now=row["now"])
    for row in hz:
        out.setdefault(row["property__district_code"], {}).update(
            hazards=row["n"], rectified=row["closed"], overdue=row["overdue"]
        )
    names = region_names(codes=list(out))
    keys = ("properties", "approved", "tenants", "tenants_now", "hazards", "rectified", "overdue")
    return [
        AreaFigures(code, names.get(code, code), **{k: v.get(k, 0) for k in keys}) for code, v in sorted(out.items())
    ]


def _months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from ``start`` to ``end`` (15 Jan → 15 Jul is 6; → 14 Jul is 5)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(0, months)


def months_of_residence(person: Any, at: dt.date | dt.datetime) -> int:
    """Whole months ``person`` (a registry Person or its id) has lived, up to ``at``, in their
    current run of landlord-confirmed tenancies: the latest confirmed stay still running (or
    ended on or after ``at``), reaching back through earlier confirmed stays that follow on with
    no gap. 0 without a confirmed stay running at ``at``. Declarations the landlord has not
    confirmed, or disputed, count for nothing."""
    person_id = getattr(person, "pk", person)
    day = local_today(at) if isinstance(at, dt.datetime) else at
    stays = list(
        Tenancy.objects.filter(tenant_person_id=person_id, answered_at__isnull=False, dispute_note="")
        .filter(Q(state=TenancyState.CONFIRMED) | Q(state=TenancyState.ENDED))
        .filter(moved_in_on__lte=day)
        .values_list("moved_in_on", "moved_out_on")
        .order_by("-moved_in_on")
    )
    current = [s for s in stays if s[1] is None or s[1] >= day]
    if not current:
        return 0
    start = min(s[0] for s in current)
    gap = rental_limits().stay_gap_days
    for moved_in, moved_out in stays:
        if moved_out is not None and moved_in < start and (start - moved_out).days <= gap:
            start = min(start, moved_in)
    return _months_between(start, day)
