"""查阅记录: who among the staff read one citizen's records ("谁查了我的信息", the question a
citizen's complaint raises). The auditor enters the person's ID number; every staff read of their
registry row, their cases, their photos and their certificates is listed, newest first.

The reads are stored under each record's own key (``audit.reads``: a person's row id, a case
number, a photo's id), never under the ID number, so the number is resolved to those keys here
through the registry, cases, photos and certificates selectors. The look-up is itself a read of
personal data, so it is audited (``audit.lookup``, with the masked ID number) before the answer; a
POST keeps the ID number out of URLs and access logs.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tongban.audit.selectors import audit_reads_of
from tongban.audit.services import audit_record
from tongban.cases.selectors import case_numbers_of
from tongban.certificates.selectors import certificate_numbers_of
from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.masking import mask_id_number, mask_name
from tongban.common.request import viewer
from tongban.photos.selectors import photo_keys_of
from tongban.registry.selectors import person_by_id_number
from tongban.web.auditlog.forms import LookupForm
from tongban.web.auditlog.views import READERS, _rows, _zh_html

LIMIT = 500


def _keys(person_id: int | None, id_number: str) -> dict[str, list[str]]:
    """The audit keys of everything of this person that staff may read."""
    return {
        "case": case_numbers_of(person_id=person_id, id_number=id_number),
        "certificate": certificate_numbers_of(id_number=id_number),
        **photo_keys_of(person_id=person_id, id_number=id_number),
    }


@login_required
@role_required(*READERS)
def lookup(request: HttpRequest) -> HttpResponse:
    """The form, and on a valid ID number the reads of that person's records (audited)."""
    form = LookupForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "tab": "lookup", "limit": LIMIT}
    if request.method != "POST" or not form.is_valid():
        return render(request, "audit/lookup.html", context, status=400 if form.is_bound else 200)
    id_number = form.cleaned_data["id_number"]
    person = person_by_id_number(id_number=id_number)
    person_id = person.pk if person is not None else None
    keys = _keys(person_id, id_number)
    masked = mask_id_number(id_number)
    with transaction.atomic():
        audit_record(
            action="audit.lookup",
            object_type="person" if person_id is not None else "id_number",
            object_id=str(person_id) if person_id is not None else masked,
            at=now(),
            actor=viewer(request),
            data={"id_number": masked, "found": person is not None},
        )
    entries = audit_reads_of(user=request.user, person_id=person_id, keys=keys, limit=LIMIT)
    context.update(
        {
            "searched": True,
            "masked": masked,
            "name": _zh_html(mask_name(person.name)) if person is not None else "",
            "on_file": person is not None,
            "counts": {k: len(v) for k, v in keys.items()},
            "rows": _rows(entries),
            "capped": len(entries) >= LIMIT,
            "form": LookupForm(),  # the number is not echoed back into the page
        }
    )
    return render(request, "audit/lookup.html", context)
