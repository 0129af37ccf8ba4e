"""Dog reads: a licence found by certificate number or chip, a holder's violations, the
officer's recent violations and the reports to follow up. Every read goes through the access
funnel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tongban.certificates.models import Certificate
from tongban.common.access import access_filter
from tongban.common.errors import Invalid, NotFound
from tongban.dogs.models import Report, ReportState, Violation


def licence_find(*, user: Any, query: str, at: dt.datetime) -> Certificate:
    """The dog licence in force with this certificate number or chip (the latest one issued).
    Raises Invalid (empty), NotFound (none the user may read)."""
    q = (query or "").strip()
    if not q or len(q) > 40:
        raise Invalid(_("请输入犬证编号或芯片号"), code="licence", field="licence")
    found = (
        access_filter(user, Certificate.objects.filter(template="DOG"))
        .filter(Q(number=q) | Q(facts__chip=q), revoked_at__isnull=True, valid_until__gt=at)
        .order_by("-issued_at", "-id")
        .first()
    )
    if found is None:
        raise NotFound(_("未找到有效的犬证"), code="licence")
    return found


def violations_mine(*, user: Any) -> list[dict[str, Any]]:
    """The user's dog licences, each with the violations recorded against it (newest first)."""
    certs = list(access_filter(user, Certificate.objects.filter(template="DOG")).order_by("-issued_at", "-id")[:50])
    by_cert: dict[int, list[Violation]] = {c.pk: [] for c in certs}
    for v in access_filter(user, Violation.objects.filter(certificate__in=certs)):
        by_cert[v.certificate_id].append(v)
    return [{"certificate": c, "violations": by_cert[c.pk]} for c in certs]


def violations_recent(*, user: Any, limit: int = 50) -> QuerySet[Violation]:
    return access_filter(user, Violation.objects.select_related("certificate"))[:limit]


def reports_for(*, user: Any, state: str = ReportState.OPEN, limit: int = 100) -> QuerySet[Report]:
    return access_filter(user, Report.objects.filter(state=state))[:limit]
