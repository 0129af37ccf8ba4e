"""Address selectors: the registry's address tree read by other modules (rental declarations
pick their address here)."""

from __future__ import annotations

from typing import Any

from tongban.registry.models import Address, Person

SEARCH_LIMIT = 20


def address_search(*, text: str, district_code: str | None = None, limit: int = SEARCH_LIMIT) -> list[dict[str, Any]]:
    """Addresses whose full text contains ``text`` (at least two characters), in id order."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    qs = Address.objects.filter(full__contains=text)
    if district_code:
        qs = qs.filter(district_code=district_code)
    return [address_row(a) for a in qs.select_related("community").order_by("pk")[: max(1, min(limit, 50))]]


def address_row(address: Address) -> dict[str, Any]:
    """An address's plain fields, with its community's name."""
    return {
        "id": address.pk,
        "full": address.full,
        "district_code": address.district_code,
        "community_code": address.community_id,
        "community_name": address.community.name,
    }


def address_get(*, pk: int) -> dict[str, Any] | None:
    """One address by id (None when there is none)."""
    address = Address.objects.select_related("community").filter(pk=pk).first()
    return address_row(address) if address is not None else None


def household_address_id(*, person_id: int) -> int | None:
    """The address of the person's registered household (户籍登记地址), None without one."""
    return Person.objects.filter(pk=person_id).values_list("household__address_id", flat=True).first()
