"""Demo data: the signing key in var/keys, and a few certificates for the demo citizen so that
"my certificates" and the verification page have something to show. Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongban.certificates.models import Certificate
from tongban.certificates.services import certificate_issue
from tongban.certificates.signing import current_signer, key_directory

DEMO_FACTS: dict[str, dict[str, str]] = {
    "DOG": {"tag_number": "3301-000128", "chip": "900164000000128", "dog_name": "豆豆", "breed": "柯基",
            "colour": "黄白", "vaccination": "ZJ2026031000123", "address": "杭州市西湖区文三路 398 号"},
    "RENT": {"property_address": "杭州市西湖区文二路 12 号 3 幢 502 室", "lease_from": "2026-03-01",
             "lease_to": "2027-02-28", "tenants": "2"},
}  # fmt: skip


def demo_load(*, now: dt.datetime, stdout: Any) -> None:
    """Create the signing key if missing and issue the demo certificates that do not exist yet."""
    from tongban.accounts.models import User

    signer = current_signer(now=now)
    citizen = User.objects.filter(role="citizen", person__isnull=False).order_by("pk").first()
    made = 0
    if citizen is not None:
        for template, facts in DEMO_FACTS.items():
            case_number = f"DEMO-{template}"
            if Certificate.objects.filter(case_number=case_number).exists():
                continue
            certificate_issue(
                template=template,
                holder_id_number=str(citizen.id_number),
                holder_name=citizen.real_name,
                facts=facts,
                case_number=case_number,
                issued_at=now - dt.timedelta(days=2),
            )
            made += 1
    stdout.write(
        f"certificates: {made} demo certificates issued; signing key {signer.public_key().kid} "
        f"in {key_directory().path} (public keys at /.well-known/tongban-keys.json)"
    )
