"""Staff reads of a citizen's record are audited, one entry per read (G12).

Pages and API endpoints that show staff a person's registry record, a case, or a photo call
``audit_staff_read`` once the record has passed the access funnel and before they answer. A
citizen reading their own record writes nothing: their reads are not what the audit is for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from tongban.audit.services import audit_record
from tongban.common.access import Viewer

# What is read → the action its audit entry carries.
READ_ACTIONS = {
    "person": "person.read",
    "case": "case.read",
    "photo_capture": "photo.read",
    "photo_derivative": "photo.read",
}


def audit_staff_read(
    *, actor: Viewer, object_type: str, object_id: Any, at: dt.datetime, channel: str, what: str = "detail"
) -> None:
    """One audit entry for a staff member's read of one citizen record; nothing for anyone else.

    ``object_type`` is one of READ_ACTIONS (person, case, photo_capture, photo_derivative);
    ``object_id`` is the record's key (a person's row id, never an ID number; a case number);
    ``channel`` is "page" or "api"; ``what`` names the view (detail, lookup, receipt, file...).
    Raises KeyError for an unknown object type (a programming error).
    """
    action = READ_ACTIONS[object_type]
    if not getattr(actor, "is_staff_role", False):
        return
    with transaction.atomic():
        audit_record(
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            at=at,
            actor=actor,
            data={"channel": channel, "what": what},
        )
