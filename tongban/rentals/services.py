"""微安居 writes: declaring and reviewing a property, its QR token, and tenancies (move-in, the
landlord's answer, move-out). Hazards are in ``hazards.py``.

Each public service is one transaction with one audit row; time is a parameter (``now``).
Messages are Chinese msgids translated for the caller's language.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from tongban.audit.services import audit_record
from tongban.common.access import Viewer, access_get
from tongban.common.clock import local_today
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.common.masking import mask_address, mask_name
from tongban.common.roles import Department, Role
from tongban.notifications.services import notify
from tongban.rentals.limits import rental_limits
from tongban.rentals.models import (
    OwnershipSource,
    PropertyState,
    PropertyUse,
    RentalProperty,
    Tenancy,
    TenancyState,
)

CITIZENS = frozenset({Role.CITIZEN})
TOKEN_SALT = "tongban.rentals.property"  # noqa: S105 -- a signing salt (namespace), not a secret
NOTE_MAX = 200


def both(text: Any) -> dict[str, str]:
    """A message param in both languages (rendered in the reader's): a msgid or a lazy label."""
    with translation.override("zh-hans"):
        zh = str(text)
    with translation.override("en"):
        en = _(zh)
    return {"zh-hans": zh, "en": en}


def _citizen(user: Any) -> None:
    if getattr(user, "role", "") not in CITIZENS or getattr(user, "person_id", None) is None:
        raise Forbidden(_("请以实名认证的个人账号办理"), code="not_citizen")


def _officer(user: Any) -> None:
    role = getattr(user, "role", "")
    if role == Role.ADMIN:
        return
    if role != Role.APPROVER or getattr(user, "department", "") != Department.ZHIAN:
        raise Forbidden(_("只有派出所治安民警可以办理"), code="not_officer")


def property_for_officer(*, user: Any, number: str, lock: bool = False) -> RentalProperty:
    """A property the officer may act on: a 治安 approver (placed at the property's station, when
    placed at one) or an administrator. Raises Forbidden (other roles), NotFound."""
    _officer(user)
    qs = RentalProperty.objects.select_for_update() if lock else RentalProperty.objects.all()
    prop = access_get(user, qs, write=True, number=number)
    outlet_id = getattr(user, "outlet_id", None)
    if user.role == Role.APPROVER and outlet_id is not None and prop.station_id not in (None, outlet_id):
        raise NotFound(_("未找到该出租房屋"))
    return prop


def _station_for(district_code: str) -> int | None:
    from tongban.outlets.selectors import outlet_rows

    rows = [r for r in outlet_rows(kind="police_station") if r["region_code"] == district_code]
    return rows[0]["id"] if rows else None


def _number() -> str:
    return "RH" + secrets.token_hex(5).upper()


def property_declare(
    *,
    landlord: Any,
    address_id: int,
    rooms: int,
    capacity: int,
    use: str = PropertyUse.RESIDENTIAL,
    certificate_no: str = "",
    now: dt.datetime,
) -> RentalProperty:
    """出租屋申报: a landlord declares a property at a registry address; the police station of the
    address's district reviews it. Ownership is shown by the registry when the landlord's own
    household is registered at the address, else by a property certificate number. Raises
    Forbidden (not a real-name citizen), Invalid (address, rooms, capacity, use, certificate),
    Conflict (the address already has a live declaration)."""
    from tongban.registry.addresses import address_get, household_address_id

    _citizen(landlord)
    address = address_get(pk=address_id)
    if address is None:
        raise Invalid(_("请从地址库中选择房屋地址"), code="address", field="address_id")
    limits = rental_limits()
    if not 1 <= rooms <= limits.max_rooms:
        raise Invalid(_("出租间数须为 1 至 %(n)d") % {"n": limits.max_rooms}, code="rooms", field="rooms")
    if not 1 <= capacity <= rooms * limits.max_per_room:
        # Above rooms × max_per_room the declaration is refused as implausible (群租).
        raise Invalid(
            _("可住人数须至少 1 人，且每间不超过 %(n)d 人") % {"n": limits.max_per_room},
            code="capacity",
            field="capacity",
        )
    if use not in PropertyUse.values:
        raise Invalid(_("请选择出租用途"), code="use", field="use")
    certificate_no = (certificate_no or "").strip()
    if household_address_id(person_id=landlord.person_id) == address_id:
        ownership, ref = OwnershipSource.REGISTRY, "hukou"
    elif 6 <= len(certificate_no) <= 40:
        ownership, ref = OwnershipSource.CERTIFICATE, certificate_no
    else:
        raise Invalid(_("该地址不是您的户籍登记地址，请填写不动产权证书编号"), code="ownership", field="certificate_no")
    try:
        with transaction.atomic():
            prop = RentalProperty.objects.create(
                number=_number(),
                landlord=landlord,
                landlord_person_id=landlord.person_id,
                address_id=address_id,
                district_code=address["district_code"],
                community_code=address["community_code"],
                station_id=_station_for(address["district_code"]),
                rooms=rooms,
                capacity=capacity,
                use=use,
                ownership=ownership,
                ownership_ref=ref,
                declared_at=now,
            )
            audit_record(
                action="rental.declare",
                object_type="rental_property",
                object_id=prop.number,
                at=now,
                actor=landlord,
                data={"district": prop.district_code, "rooms": rooms, "capacity": capacity, "ownership": ownership},
            )
    except IntegrityError:
        raise Conflict(_("该地址已有待审核或已通过的出租申报"), code="already_declared") from None
    return prop


def property_review(*, number: str, actor: Viewer, approve: bool, note: str = "", now: dt.datetime) -> RentalProperty:
    """The station's 治安 officer approves or refuses a pending declaration; approval issues the
    QR token. Raises Forbidden, NotFound, Conflict (not pending), Invalid (a refusal needs a
    reason)."""
    note = (note or "").strip()[:NOTE_MAX]
    if not approve and not note:
        raise Invalid(_("不予通过须说明理由"), code="note", field="note")
    with transaction.atomic():
        prop = property_for_officer(user=actor, number=number, lock=True)
        if prop.state != PropertyState.PENDING:
            raise Conflict(_("该申报已审核"), code="not_pending")
        prop.state = PropertyState.APPROVED if approve else PropertyState.REFUSED
        prop.reviewed_at, prop.reviewed_by_id, prop.review_note = now, actor.pk, note
        prop.token_nonce = secrets.token_urlsafe(9) if approve else ""
        prop.save(update_fields=["state", "reviewed_at", "reviewed_by", "review_note", "token_nonce"])
        outcome = N_("审核通过，可打印房屋二维码张贴") if approve else N_("不予通过")
        notify(
            recipient=prop.landlord,
            kind="rental_reviewed",
            key=f"rental_reviewed:{prop.number}",
            params={
                "number": prop.number,
                "address": mask_address(prop.address.full, 12),
                "outcome": both(outcome),
                "note": note,
            },
            at=now,
        )
        audit_record(
            action="rental.approve" if approve else "rental.refuse",
            object_type="rental_property",
            object_id=prop.number,
            at=now,
            actor=actor,
            data={"note": note} if note else None,
        )
    return prop


def property_close(*, number: str, actor: Viewer, now: dt.datetime) -> RentalProperty:
    """The landlord stops letting an approved property: its QR code stops working. Raises
    NotFound (not theirs), Conflict (not approved, or tenants still living there)."""
    _citizen(actor)
    with transaction.atomic():
        prop = access_get(actor, RentalProperty.objects.select_for_update(), write=True, number=number)
        if prop.state != PropertyState.APPROVED:
            raise Conflict(_("只有已通过的出租房屋可以停止出租"), code="not_approved")
        if prop.tenancies.filter(state__in=[TenancyState.DECLARED, TenancyState.CONFIRMED]).exists():
            raise Conflict(_("仍有房客在住，请房客申报搬离后再停止出租"), code="tenants_living")
        prop.state, prop.token_nonce = PropertyState.CLOSED, ""
        prop.save(update_fields=["state", "token_nonce"])
        audit_record(action="rental.close", object_type="rental_property", object_id=number, at=now, actor=actor)
    return prop


# --- the QR token -------------------------------------------------------------------------------


def property_token(prop: RentalProperty) -> str:
    """The signed token the property's QR code carries (HMAC with the site's secret): the
    number and a nonce drawn at approval, so it can be neither guessed nor forged."""
    if prop.state != PropertyState.APPROVED or not prop.token_nonce:
        raise Conflict(_("审核通过后才有房屋二维码"), code="not_approved")
    return signing.Signer(salt=TOKEN_SALT).sign(f"{prop.number}.{prop.token_nonce}")


def property_from_token(token: str) -> RentalProperty:
    """The approved property a QR token names. Raises Invalid (a forged or damaged token),
    Conflict (the property is not, or no longer, approved)."""
    try:
        value = signing.Signer(salt=TOKEN_SALT).unsign((token or "").strip()[:100])
    except signing.BadSignature:
        raise Invalid(_("二维码无效，请扫描房东张贴的房屋二维码"), code="bad_token") from None
    number, _sep, nonce = value.partition(".")
    prop = RentalProperty.objects.select_related("address").filter(number=number).first()
    if prop is None or prop.state != PropertyState.APPROVED or not nonce or prop.token_nonce != nonce:
        raise Conflict(_("该房屋未经派出所审核通过或已停止出租，暂不能申报入住"), code="property_not_approved")
    return prop


# --- tenancies ----------------------------------------------------------------------------------


def tenancy_declare(*, token: str, tenant: Any, moved_in_on: dt.date, now: dt.datetime) -> Tenancy:
    """房客自主申报: a tenant declares moving in to the property of a QR token. Raises Forbidden
    (not a real-name citizen, or the landlord), Invalid (bad token; a date in the future or more
    than a year back), Conflict (unapproved property, already declared there, property full)."""
    _citizen(tenant)
    prop = property_from_token(token)
    today = local_today(now)
    back = rental_limits().move_in_backdate_days
    if moved_in_on > today or moved_in_on < today - dt.timedelta(days=back):
        raise Invalid(_("入住日期须在今天及之前 %(n)d 天以内") % {"n": back}, code="moved_in_on", field="moved_in_on")
    if prop.landlord_person_id == tenant.person_id:
        raise Forbidden(_("房东本人无需申报入住"), code="landlord_self")
    try:
        with transaction.atomic():
            prop = RentalProperty.objects.select_for_update().get(pk=prop.pk)
            live = prop.tenancies.filter(state__in=[TenancyState.DECLARED, TenancyState.CONFIRMED]).count()
            if live >= prop.capacity:
                raise Conflict(_("该房屋申报人数已达可住人数，请联系房东"), code="full")
            tenancy = Tenancy.objects.create(
                property=prop,
                tenant=tenant,
                tenant_person_id=tenant.person_id,
                moved_in_on=moved_in_on,
                declared_at=now,
            )
            notify(
                recipient=prop.landlord,
                kind="tenant_declared",
                key=f"tenant_declared:{tenancy.pk}",
                params={
                    "tenant": mask_name(tenant.real_name or ""),
                    "moved_in": {"date": moved_in_on.isoformat()},
                    "number": prop.number,
                },
                at=now,
            )
            audit_record(
                action="tenancy.declare",
                object_type="tenancy",
                object_id=str(tenancy.pk),
                at=now,
                actor=tenant,
                data={"property": prop.number, "moved_in_on": moved_in_on.isoformat()},
            )
    except IntegrityError:
        raise Conflict(_("您已申报入住该房屋"), code="already_declared") from None
    return tenancy


def _tenancy_locked(user: Any, pk: int) -> Tenancy:
    return access_get(user, Tenancy.objects.select_for_update().select_related("property"), write=True, pk=pk)


def tenancy_answer(*, pk: int, actor: Viewer, confirm: bool, note: str = "", now: dt.datetime) -> Tenancy:
    """The landlord confirms a tenant's declaration or disputes it (with a reason). Raises
    NotFound (not the landlord's), Forbidden (the tenant answering), Conflict (already
    answered), Invalid (a dispute without a reason)."""
    _citizen(actor)
    note = (note or "").strip()[:NOTE_MAX]
    if not confirm and not note:
        raise Invalid(_("提出异议须说明理由"), code="note", field="note")
    with transaction.atomic():
        tenancy = _tenancy_locked(actor, pk)
        if tenancy.property.landlord_id != actor.pk:
            raise Forbidden(_("只有房东可以确认房客申报"), code="not_landlord")
        if tenancy.state != TenancyState.DECLARED:
            raise Conflict(_("该申报已答复"), code="answered")
        tenancy.state = TenancyState.CONFIRMED if confirm else TenancyState.DISPUTED
        tenancy.answered_at, tenancy.dispute_note = now, "" if confirm else note
        tenancy.save(update_fields=["state", "answered_at", "dispute_note"])
        audit_record(
            action="tenancy.confirm" if confirm else "tenancy.dispute",
            object_type="tenancy",
            object_id=str(pk),
            at=now,
            actor=actor,
            data={"note": note} if not confirm else None,
        )
    return tenancy


def tenancy_move_out(*, pk: int, actor: Viewer, moved_out_on: dt.date, now: dt.datetime) -> Tenancy:
    """The tenant declares moving out. Raises NotFound (not theirs), Forbidden (the landlord),
    Conflict (disputed or already ended), Invalid (before moving in, or in the future)."""
    _citizen(actor)
    with transaction.atomic():
        tenancy = _tenancy_locked(actor, pk)
        if tenancy.tenant_person_id != actor.person_id:
            raise Forbidden(_("只有房客本人可以申报搬离"), code="not_tenant")
        if tenancy.state not in (TenancyState.DECLARED, TenancyState.CONFIRMED):
            raise Conflict(_("该租住记录已结束"), code="not_living")
        if moved_out_on < tenancy.moved_in_on or moved_out_on > local_today(now):
            raise Invalid(_("搬离日期须在入住日期之后且不晚于今天"), code="moved_out_on", field="moved_out_on")
        tenancy.state, tenancy.moved_out_on = TenancyState.ENDED, moved_out_on
        tenancy.save(update_fields=["state", "moved_out_on"])
        audit_record(
            action="tenancy.move_out",
            object_type="tenancy",
            object_id=str(pk),
            at=now,
            actor=actor,
            data={"moved_out_on": moved_out_on.isoformat()},
        )
    return tenancy
