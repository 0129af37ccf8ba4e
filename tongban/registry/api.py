"""Registry endpoints: the caller's own record, staff lookup by ID number, audited reveal.

ID numbers travel in request bodies, never in URLs, so they stay out of access logs and
browser history.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router

from tongban.audit.reads import audit_staff_read
from tongban.common.clock import now
from tongban.common.errors import NotFound
from tongban.common.ids import normalise
from tongban.common.request import viewer
from tongban.registry.schemas import LookupIn, PersonOut, RevealIn, RevealOut
from tongban.registry.selectors import person_detail, person_get, person_view
from tongban.registry.services import person_present_mark, person_reveal

router = Router(tags=["registry 共享库"])


@router.get("/me", response=PersonOut)
def my_record(request: HttpRequest) -> dict[str, object]:
    """The caller's own registry record (citizens)."""
    id_number = getattr(request.user, "id_number", None)
    if not id_number:
        raise NotFound(gettext("未找到该记录"))
    person = person_get(user=request.user, id_number=id_number)
    return person_view(user=request.user, detail=person_detail(person=person))


@router.post("/persons/lookup", response=PersonOut)
def lookup(request: HttpRequest, body: LookupIn) -> dict[str, object]:
    """A person's record by ID number: citizens only their own; staff any, masked (and audited).
    A clerk's lookup marks the person as at their window (see ``persons/reveal``)."""
    person = person_get(user=request.user, id_number=normalise(body.id_number))
    audit_staff_read(
        actor=viewer(request), object_type="person", object_id=person.pk, at=now(), channel="api", what="lookup"
    )
    person_present_mark(user=request.user, person=person)
    return person_view(user=request.user, detail=person_detail(person=person))


@router.post("/persons/reveal", response=RevealOut)
def reveal(request: HttpRequest, body: RevealIn) -> dict[str, str]:
    """Show one unmasked field to staff who need it: clerks (a person they looked up at their
    window in the last half hour), approvers and administrators, never auditors; a reason code
    from the fixed list and an explanation; rate limited per staff member; audited."""
    person = person_get(user=request.user, id_number=normalise(body.id_number))
    value = person_reveal(
        user=request.user,
        person=person,
        field=body.field,
        reason_code=body.reason_code,
        reason=body.reason,
        now=now(),
    )
    return {"field": body.field, "value": value}
