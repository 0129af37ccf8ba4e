"""通知通告 writes and reads: a 治安 officer publishes a notice to an area of the registry's region
tree (a district, street or community); it is pushed to the landlords of approved properties
there and to the tenants living there now, one message per person per notice.

Each public service is one transaction with one audit row; time is a parameter (``now``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.common.access import Viewer, access_filter
from tongban.common.errors import Forbidden, Invalid
from tongban.common.roles import Role
from tongban.notifications.services import notify
from tongban.rentals.models import (
    PropertyState,
    RentalNotice,
    RentalNoticeRecipient,
    RentalProperty,
    Tenancy,
    TenancyState,
)
from tongban.rentals.services import _officer

TITLE_MAX = 60
BODY_MAX = 1000
AREA_LEVELS = ("district", "street", "community")


def _district_of(region: Any) -> str:
    """The district code above (or of) a district, street or community region."""
    node, hops = region, 0
    while node is not None and node.level != "district" and hops < 4:
        node, hops = node.parent, hops + 1
    return node.code if node is not None and node.level == "district" else ""


def _station_district(user: Any) -> str | None:
    """The district of the station the officer is placed at (None: not placed, may act anywhere,
    as for reviews)."""
    if user.role == Role.ADMIN or getattr(user, "outlet_id", None) is None:
        return None
    from tongban.outlets.models import Outlet

    return Outlet.objects.filter(pk=user.outlet_id).values_list("region_code", flat=True).first() or ""


def notice_areas(*, user: Any) -> list[dict[str, str]]:
    """The areas an officer may publish to: the station's district, its streets and communities
    (every district's for an officer not placed at a station). Rows: code, name, level."""
    from tongban.registry.models import Region

    _officer(user)
    district = _station_district(user)
    qs = Region.objects.filter(level__in=AREA_LEVELS)
    if district is not None:
        qs = qs.filter(Q(code=district) | Q(parent_id=district) | Q(parent__parent_id=district))
    return [
        {"code": c, "name": n, "level": lv} for c, n, lv in qs.order_by("code").values_list("code", "name", "level")
    ]


def area_properties(region: Any) -> QuerySet[RentalProperty]:
    """The properties at addresses inside a district, street or community region."""
    if region.level == "district":
        return RentalProperty.objects.filter(district_code=region.code)
    if region.level == "street":
        return RentalProperty.objects.filter(address__community__parent_id=region.code)
    return RentalProperty.objects.filter(community_code=region.code)


def area_people(region: Any) -> list[Any]:
    """The landlords of approved properties in the area and the tenants living there now, each
    once, in id order."""
    from tongban.accounts.models import User

    props = area_properties(region)
    landlords = props.filter(state=PropertyState.APPROVED).values("landlord_id")
    tenants = Tenancy.objects.filter(
        property__in=props, state__in=[TenancyState.DECLARED, TenancyState.CONFIRMED]
    ).values("tenant_id")
    return list(User.objects.filter(Q(pk__in=landlords) | Q(pk__in=tenants), is_active=True).order_by("pk"))


def notice_publish(*, actor: Viewer, area_code: str, title: str, body: str, now: dt.datetime) -> RentalNotice:
    """A 治安 officer publishes a notice to an area of their station's district (any area for an
    officer not placed at a station, or an administrator); every landlord and tenant there is
    told once. Raises Forbidden (not a 治安 officer; an area outside the station's district),
    Invalid (area, title, body)."""
    from tongban.registry.models import Region

    _officer(actor)
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise Invalid(_("请填写标题（不超过 60 字）"), code="title", field="title")
    if not body or len(body) > BODY_MAX:
        raise Invalid(_("请填写正文（不超过 1000 字）"), code="body", field="body")
    region = (
        Region.objects.select_related("parent__parent")
        .filter(code=(area_code or "")[:12], level__in=AREA_LEVELS)
        .first()
    )
    if region is None:
        raise Invalid(_("请选择通知范围（区县、街道或社区）"), code="area", field="area_code")
    district = _station_district(actor)
    if district is not None and _district_of(region) != district:
        raise Forbidden(_("只能向本派出所辖区发布通知"), code="outside_station")
    with transaction.atomic():
        notice = RentalNotice.objects.create(
            station_id=actor.outlet_id if actor.role == Role.APPROVER else None,
            area=region,
            title=title,
            body=body,
            published_at=now,
            published_by_id=actor.pk,
        )
        people = area_people(region)
        RentalNoticeRecipient.objects.bulk_create([RentalNoticeRecipient(notice=notice, user=p) for p in people])
        station = notice.station.name if notice.station is not None else _("派出所")
        for person in people:
            notify(
                recipient=person,
                kind="rental_notice",
                key=f"rental_notice:{notice.pk}:{person.pk}",
                params={"station": station, "title": title, "body": body},
                at=now,
            )
        audit_record(
            action="rental_notice.publish",
            object_type="rental_notice",
            object_id=str(notice.pk),
            at=now,
            actor=actor,
            data={"area": region.code, "recipients": len(people)},
        )
    return notice


def notices_for(*, user: Any, limit: int = 20) -> list[RentalNotice]:
    """The notices that reached this person, newest first."""
    return list(
        RentalNotice.objects.filter(deliveries__user=user)
        .select_related("area", "station")
        .order_by("-published_at", "-pk")[:limit]
    )


def notices_published(*, user: Any, limit: int = 50) -> list[RentalNotice]:
    """The notices of the officer's station (every notice for an unplaced officer or an
    administrator), newest first, with their recipient counts."""
    from django.db.models import Count

    qs = access_filter(user, RentalNotice.objects.select_related("area", "station"))
    return list(qs.annotate(reached=Count("deliveries")).order_by("-published_at", "-pk")[:limit])
