"""What a case ends with, and the item's workflow rules that decide whether it may get there.

Results: an item's ``result`` (catalog data) names its kind; a certificate maps every fact of its
template to the form, the registry, the item's derived facts or a value of the case
(``Result.facts``). ``result_plan`` builds the facts and finds the issuing bureau (the handling
outlet's, from data); approving a case whose plan cannot be built is refused before approval
(``result_ready``), so no approved case waits for ever.

Workflow: ``submit_check`` (who may apply, where: ``applicants``, ``reach``, ``outlet_types``),
``accept_check`` / ``approve_check`` (the item's approval steps and the role and department
that takes each), ``instant_complete`` (即办件: a case whose promise is "on the spot" and whose
checks all pass is accepted, approved and given its result at once by the platform).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongban.common.access import Viewer
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Conflict, DomainError, Forbidden, Invalid

#: Staffed outlet kinds: the ones that can handle (decide) a case; kiosks only take applications.
UNSTAFFED = frozenset({"kiosk", "all_in_one_5g"})

_PATH = re.compile(r"^[a-z_]+(?:\[[a-z_]+=[a-z_.]+\])?(?:\.[a-z_]+(?:\[[a-z_]+=[a-z_.]+\])?)*$")
_SEGMENT = re.compile(r"([a-z_]+)(?:\[([a-z_]+)=([a-z_.]+)\])?")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class ResultPlan:
    """A certificate ready to issue: its template, facts and issuing bureau."""

    template: str
    facts: dict[str, str]
    authority: tuple[str, str, str]  # (region code, Chinese name, English name)
    # the period the applicant chose (validity_start / validity_days_from), else None: from issue
    valid_from: dt.date | None = None
    validity_days: int | None = None


class _Context:
    """Where fact paths are looked up: the form, the registry sources, derived facts, the case."""

    def __init__(self, *, case: Any, item: Any, at: dt.datetime, draw: bool = False) -> None:
        from tongban.catalog.rules import eligibility_facts, item_derive
        from tongban.catalog.selectors import spec_sources
        from tongban.registry.selectors import registry_sources, registry_supply_many

        self.case, self.item, self.draw, self.at = case, item, draw, at
        today = at.astimezone(SHANGHAI).date()
        form = dict(case.form_data or {})
        known = set(registry_sources())
        wanted = set(spec_sources(item))
        for candidates in item.result.facts.values():
            for text in candidates:
                for path in _paths(text):
                    if path.split(".")[0].split("[")[0] in known:
                        wanted.add(path.split(".")[0].split("[")[0])
        supplied: dict[str, dict[str, Any]] = {}
        if wanted:
            got = registry_supply_many(sources=sorted(wanted), id_number=case.applicant_id_number, at=at)
            supplied = {code: dict(s.facts) for code, s in got.items() if s is not None}
        facts = eligibility_facts(at=today, form=form, supplied=supplied, id_number=case.applicant_id_number)
        self.root: dict[str, Any] = {**supplied, "form": form}
        self.root["derived"] = item_derive(spec=item, facts=facts)
        valid_days = item.result.validity_days
        months = form.get("months_resident")
        self.root.update(
            {
                "today": today.isoformat(),
                "valid_until": (today + dt.timedelta(days=valid_days)).isoformat() if valid_days else None,
                "period_from": _years_before(today, int(form.get("period_years") or 5)).isoformat(),
                "residence_since": (today - dt.timedelta(days=round(int(months) * 30.44))).isoformat()
                if isinstance(months, int)
                else None,
                "case": {"number": case.number},
                "handling": {"region_name": _region_name(case.handling_region)},
                "person": {"hukou_region_name": _region_name(getattr(case.person, "hukou_region", "") or "")},
                "upload": _verified_uploads(case, preview=None if draw else today),
            }
        )

    def get(self, path: str) -> Any:
        if path == "dog_tag.number":  # looked up only by the items that print it
            return self._dog_tag()
        node: Any = self.root
        for name, key, match in _SEGMENT.findall(path):
            node = node.get(name) if isinstance(node, dict) else None
            if key:
                wanted = self.get(match)
                node = next((x for x in node or [] if isinstance(x, dict) and str(x.get(key)) == str(wanted)), None)
            if node is None:
                return None
        return node

    def _dog_tag(self) -> str | None:
        # Drawn (under the city counter's lock) only when the licence is issued; a check before
        # approval previews the number without taking it.
        from tongban.certificates.tags import dog_tag_draw, dog_tag_preview

        chip = str(self.root["form"].get("chip") or "")
        if not chip:
            return None
        tag = dog_tag_draw if self.draw else dog_tag_preview
        return tag(chip=chip, holder_id_number=self.case.applicant_id_number, region=self.case.handling_region or "")

    def value(self, text: str) -> str | None:
        """One candidate's value: a path's, or a text whose placeholders all resolve; else None."""
        labels = self.item.result.labels
        if _PATH.match(text):
            return _shown(self.get(text), labels)
        parts: dict[str, str] = {}
        for path in _PLACEHOLDER.findall(text):
            got = _shown(self.get(path), labels)
            if got is None:
                return None
            parts[path] = got
        return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], text)


def _verified_uploads(case: Any, *, preview: dt.date | None) -> dict[str, dict[str, str]]:
    """The uploads standing in for a registry record that staff verified, by material code, with
    the day of the check (``upload.vaccination.verified_on``): an issued result states the check
    only when it happened. A ``preview`` (the check before approval, which itself waits for the
    verification) counts an upload still awaiting it as checked on that day."""
    out: dict[str, dict[str, str]] = {}
    for code, facts in case.materials.values_list("code", "facts"):
        state, at = (facts or {}).get("upload_verification"), (facts or {}).get("verified_at")
        if state == "verified" and at:
            day = dt.datetime.fromisoformat(str(at)).astimezone(SHANGHAI).date()
            out[str(code)] = {"verified_on": day.isoformat()}
        elif state == "pending" and preview is not None:
            out[str(code)] = {"verified_on": preview.isoformat()}
    return out


def _paths(text: str) -> list[str]:
    return [text] if _PATH.match(text) else _PLACEHOLDER.findall(text)


def _shown(value: Any, labels: dict[str, str]) -> str | None:
    if value is None or value == "" or isinstance(value, list | dict):
        return None
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return labels.get(text, text)


def _region_name(code: str) -> str | None:
    """A region's name (district with its city), from the registry; a province for others."""
    from tongban.registry.bureaus import province_name
    from tongban.registry.selectors import region_names

    if not code:
        return None
    city = code[:4] + "00"
    names = region_names(codes=[code, city])
    if code in names:
        return names[code] if code == city or city not in names else names[city] + names[code]
    return province_name(code)


def region_label(code: str) -> str | None:
    """What a person reads for a region code (承办地 on a case): its name, or None."""
    return _region_name(code)


def issuing_bureau(case: Any, template: str) -> tuple[str, str, str] | None:
    """The bureau that issues the case's certificate: the handling outlet's (outlets data),
    else the handling region's (registry city data); a template with an issuing unit (the
    traffic police detachment) is issued by that unit of the city bureau."""
    from tongban.certificates.selectors import template_get
    from tongban.registry.bureaus import bureau_of

    spec = template_get(code=template)
    region = case.handling_region or ""
    outlet = case.handling_outlet
    bureau = bureau_of(region)
    if spec.authority_unit_zh:
        if bureau is None:
            return None
        return (
            bureau.city_code,
            bureau.city_zh + spec.authority_unit_zh,
            f"{spec.authority_unit_en}, {bureau.city_en}",
        )
    if outlet is not None and outlet.bureau:
        return (outlet.region_code, outlet.bureau, outlet.bureau_en or outlet.bureau)
    if bureau is None:
        return None
    return (bureau.code, bureau.name_zh, bureau.name_en)


def result_plan(*, case: Any, item: Any, at: dt.datetime, draw: bool = False) -> ResultPlan | None:
    """The certificate an approved case gets (None for a document or notice). Raises Invalid
    naming, in words, what the certificate would lack. ``draw``: at issue, numbers the result
    takes from a counter (a dog's tag) are drawn, else only previewed."""
    if item.result.kind != "certificate":
        return None
    from tongban.certificates.selectors import template_get

    template = str(item.result.certificate_template)
    spec = template_get(code=template)
    ctx = _Context(case=case, item=item, at=at, draw=draw)
    facts: dict[str, str] = {}
    missing: list[str] = []
    for f in spec.facts:
        value = next((v for v in map(ctx.value, item.result.facts.get(f.key, [])) if v), None)
        if value is None:
            missing.append(f.label_zh)
        else:
            facts[f.key] = value[:200]
    if missing:
        raise Invalid(
            _("证照所需信息不全，不能批准：%(facts)s。请补正后再批准。") % {"facts": "、".join(missing)},
            code="result_incomplete",
            missing=missing,
        )
    authority = issuing_bureau(case, template)
    if authority is None:
        raise Invalid(_("无法确定承办单位所属的公安机关，不能签发证照。"), code="no_issuer")
    valid_from, days = _chosen_period(ctx, item.result)
    return ResultPlan(template=template, facts=facts, authority=authority, valid_from=valid_from, validity_days=days)


def _chosen_period(ctx: _Context, result: Any) -> tuple[dt.date | None, int | None]:
    """The start day and number of days of a certificate valid for the period its applicant chose
    (both None for one valid from its issue). Raises Invalid when the form lacks them."""
    if result.validity_start is None:
        return None, None
    try:
        start = dt.date.fromisoformat(str(ctx.get(result.validity_start)))
        days = int(str(ctx.get(result.validity_days_from)))
    except (TypeError, ValueError):
        raise Invalid(
            _("申请中缺少有效的起始日期或有效天数，不能签发证照。请退回申请人补正。"), code="result_incomplete"
        ) from None
    if dt.datetime.combine(start + dt.timedelta(days=days), dt.time(0), SHANGHAI) <= ctx.at:
        raise Invalid(
            _("申请的有效期已经结束，不能批准。请不予批准，并告知申请人重新选择起始日期后再申请。"), code="period_over"
        )
    return start, days


def result_certificate(*, case: Any, item: Any, now: dt.datetime) -> str:
    """Issue the certificate of an approved case; its number (the case's result reference)."""
    from tongban.certificates.services import certificate_issue

    with transaction.atomic():  # a drawn number and the certificate that carries it, or neither
        plan = result_plan(case=case, item=item, at=now, draw=True)
        assert plan is not None
        cert = certificate_issue(
            template=plan.template,
            holder_id_number=case.applicant_id_number,
            holder_name=case.applicant_name,
            facts=plan.facts,
            case_number=case.number,
            issued_at=now,
            actor=None,
            validity_days=plan.validity_days or item.result.validity_days,
            valid_from=plan.valid_from,
            department=item.department,
            authority=plan.authority,
        )
    return str(cert.number)[:40]


# --- workflow -----------------------------------------------------------------------------------


def _local(region: str) -> bool:
    from django.conf import settings

    return bool(region) and region[:4] == str(settings.DEMO_CITY_CODE)[:4]


def _residence_region(person: Any) -> str:
    residence = getattr(person, "residence", None) if getattr(person, "residence_id", None) else None
    return str(getattr(residence, "district_code", "") or "")


def handling_region(*, item: Any, person: Any, outlet: Any) -> str:
    """The region whose authority handles a case: the applicant's 户籍地 for an item handled at
    the 户籍 (代收代办 when accepted elsewhere); where they live for a ``residence`` item (the
    accepting window's region, online the residence district, else a local 户籍); otherwise
    where accepted (online: the residence district or the 户籍地)."""
    hukou = getattr(person, "hukou_region", "") or ""
    if item.handled_at_hukou:
        return hukou or (outlet.region_code if outlet is not None else "")
    if outlet is not None:
        return str(outlet.region_code)
    home = _residence_region(person)
    if item.jurisdiction == "residence":
        return home if _local(home) else (hukou if _local(hukou) else home or hukou)
    return home if _local(home) else hukou


def submit_check(*, item: Any, person: Any, role: str, outlet: Any) -> None:
    """Who may apply for the item, and where it may be accepted. Raises Invalid with the reason.

    ``applicants``: a citizen account (or staff filing for a person) applies for a citizen item,
    an enterprise account for an enterprise item. ``reach`` of an item handled at the 户籍:
    ``local`` accepts only a 户籍 of this city, ``province`` of this province (全省通办),
    ``national`` any (跨省通办: accepted here, handled there). An item handled where the applicant
    lives needs a residence (or 户籍) in this city. ``outlet_types`` do not limit where a case is
    accepted (一窗通办: any item at any window); they decide which outlet handles it (routing)."""
    from django.conf import settings

    if role in ("citizen", "enterprise"):
        kind = role
    else:  # staff file for a person: an enterprise's when the person holds an enterprise account
        account = getattr(person, "account", None) if person is not None else None
        kind = "enterprise" if getattr(account, "role", "") == "enterprise" else "citizen"
    if kind not in item.applicants:
        raise Invalid(
            _("本事项只受理企业申请。") if kind == "citizen" else _("本事项只受理个人申请。"),
            code="applicant_kind",
        )
    hukou = getattr(person, "hukou_region", "") or ""
    if item.handled_at_hukou and item.reach != "national" and not _local(hukou):
        same_province = bool(hukou) and hukou[:2] == str(settings.DEMO_CITY_CODE)[:2]
        if item.reach == "local" or not same_province:
            where = _region_name(hukou) or _("外地")
            raise Invalid(
                _("本事项须向户籍地公安机关申请；您的户籍在%(where)s，本市不能受理。") % {"where": where},
                code="out_of_reach",
            )
    if item.jurisdiction == "residence" and outlet is None and not (_local(_residence_region(person)) or _local(hukou)):
        raise Invalid(_("本事项由居住地公安机关办理；您在本市没有居住登记。"), code="out_of_reach")


def handling_kinds(item: Any) -> list[str] | None:
    """The kinds of outlet that may handle the item's cases (None: any staffed kind)."""
    kinds = [k for k in item.outlet_types if k not in UNSTAFFED]
    return kinds or None


def _steps(item: Any, role: str) -> list[Any]:
    return [s for s in item.approval if s.role == role]


def accept_check(*, item: Any, actor: Viewer | None) -> None:
    """受理: when the item's first approval step is a clerk's (e.g. 积分核定), a clerk of that
    department takes it. Raises Forbidden."""
    if actor is None or getattr(actor, "role", "") == "admin" or not item.approval:
        return
    first = item.approval[0]
    role = getattr(actor, "role", "")
    if first.role == "clerk" and role != "clerk":
        raise Forbidden(_("本事项由窗口工作人员受理（%(step)s）。") % {"step": first.name_zh}, code="step_role")
    _department(actor, first)


def _department(actor: Viewer | None, step: Any) -> None:
    dept = getattr(actor, "department", "") or ""
    if step.department and dept and dept != step.department:
        raise Forbidden(_("「%(step)s」须由本事项的主管部门办理。") % {"step": step.name_zh}, code="step_department")


def approve_check(*, case: Any, item: Any, actor: Viewer | None, now: dt.datetime) -> None:
    """批准: the item's approver step is taken by an approver of its department, and the result
    can be built (``result_plan``). Raises Forbidden or Invalid."""
    if actor is not None and getattr(actor, "role", "") != "admin":
        steps = _steps(item, "approver")
        if steps:
            _department(actor, steps[-1])
    result_plan(case=case, item=item, at=now)


def instant(item: Any) -> bool:
    """即办件: promised on the spot, with no approver step."""
    return item.promised_limit.value == 0 and not _steps(item, "approver")


def instant_complete(*, case: Any, item: Any, now: dt.datetime) -> Any:
    """A 即办件 whose checks all pass (eligibility was checked at submission; every required
    material is on file) is accepted, approved and given its result at once, by the platform.
    Returns the case as it now stands (unchanged when it must wait for a window)."""
    from tongban.cases.models import Case, MaterialState, Status
    from tongban.cases.services import case_accept, case_result_issue, case_transition

    if not instant(item) or case.status not in (Status.SUBMITTED, Status.ACCEPTED):
        return case
    if case.status == Status.SUBMITTED:
        if any(s.role == "clerk" for s in item.approval) and case.accepting_outlet_id is None:
            return case  # a clerk's step (e.g. 窗口当场办理) waits for the window
        if case.materials.filter(state=MaterialState.MISSING, required=True).exists():
            return case
        return case_accept(number=case.number, actor=None, now=now)  # which completes it (below)
    if case.under_commitment:
        return case  # materials promised under 告知承诺: decided when they arrive
    try:
        case_transition(number=case.number, to=Status.IN_REVIEW, actor=None, now=now)
        case_transition(number=case.number, to=Status.APPROVED, actor=None, now=now)
    except DomainError:  # e.g. the result cannot be built: an approver sees it, and why
        return Case.objects.get(pk=case.pk)
    try:  # at once; the result task enqueued by the approval then finds it done
        case_result_issue(number=case.number, now=now)
    except Conflict as exc:  # that task was quicker (an immediate task backend, a free worker)
        if exc.code != "not_approved":
            raise
    return Case.objects.get(pk=case.pk)
