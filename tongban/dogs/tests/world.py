"""A planted dog licence for tests: citizen A holds a DOG certificate for chip CHIP-A, with one
violation recorded by the 治安 officer and one open report."""

from __future__ import annotations

import datetime as dt
from typing import Any

CHIP = "CHIP-A"


def dog_licence(holder: Any, now: dt.datetime, *, chip: str = CHIP, case_number: str = "C-DOG-1") -> Any:
    from tongban.certificates.services import certificate_issue

    return certificate_issue(
        template="DOG",
        holder_id_number=holder.id_number,
        holder_name=holder.real_name,
        facts={
            "tag_number": "3301-000001",
            "chip": chip,
            "dog_name": "豆豆",
            "breed": "柯基",
            "colour": "黄白",
            "vaccination": f"芯片{chip}，免疫有效期至2026-12-31",
            "address": "文三路 1 号",
        },
        case_number=case_number,
        issued_at=now,
        validity_days=365,
        department="zhian",
    )


def plant_dogs(personas: Any, now: dt.datetime) -> dict[str, str]:
    """The ids the access matrix needs: ``dog_cert_a`` and ``dog_report``."""
    from tongban.dogs.services import report_submit, violation_record

    cert = dog_licence(personas.citizen, now)
    violation_record(
        actor=personas.approvers["zhian"], licence=CHIP, kind="no_leash", place="文三路口", note="", now=now
    )
    r = report_submit(reporter=None, client="203.0.113.9", place="西溪小区", description="大型犬未束链", now=now)
    return {"dog_cert_a": cert.number, "dog_report": str(r.pk)}
