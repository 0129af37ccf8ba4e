"""The facts an e-certificate states, taken from the case (form, registry materials) and the
decision date. The certificate template (``tongban.certificates``) names the keys; this module
only finds a value for each, and a key it cannot fill is an error, never a blank.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext

from tongban.common.clock import SHANGHAI
from tongban.common.errors import Invalid

#: How enum codes of the item forms read on a certificate.
LABELS = {
    "employment": "就业",
    "study_abroad": "出国留学",
    "visa": "签证",
    "notarisation": "公证",
    "other": "其他",
    "residence": "居住",
    "study": "就读",
}


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def certificate_facts(
    *, keys: list[str], form: dict[str, Any], supplied: dict[str, Any], address: str, at: dt.datetime
) -> dict[str, str]:
    """A value for every template key. Raises Invalid naming the keys that cannot be filled."""
    today = at.astimezone(SHANGHAI).date()
    derived: dict[str, Any] = {
        "period_to": today.isoformat(),
        "period_from": _years_before(today, int(form.get("period_years") or 5)).isoformat(),
    }
    if "months_resident" in form:
        months = int(form["months_resident"])
        derived["residence_since"] = (today - dt.timedelta(days=round(months * 30.44))).isoformat()
    if address:
        derived["address"] = address
    out: dict[str, str] = {}
    missing = []
    for key in keys:
        value = form.get(key)
        if value in (None, ""):
            value = derived.get(key, supplied.get(key))
        if value in (None, ""):
            missing.append(key)
            continue
        out[key] = LABELS.get(str(value), str(value))
    if missing:
        raise Invalid(
            (gettext("证照事项缺少 %(join)s") % {"join": ", ".join(missing)}),
            code="certificate_facts_missing",
            missing=missing,
        )
    return out
