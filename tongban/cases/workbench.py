"""The window intake on the clerk workbench (web:workbench): item picker, what the registry
supplies, the generated form, and one submit that files the case and decides on acceptance.

Kept in the cases module (the web module renders the page) so that the intake rules live next to
the services they call.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext

from tongban.cases.forms import form_data, schema_form_class
from tongban.cases.listing import list_rows
from tongban.cases.selectors import cases_handover_count, cases_of_person, item_spec, materials_resolve
from tongban.cases.services import Decision, case_submit
from tongban.common.clock import now
from tongban.common.errors import DomainError, NotFound
from tongban.common.request import viewer

DECISIONS = ("accept", "commitment", "refuse")


def _items() -> list[Any]:
    from tongban.catalog.selectors import items_list

    return [i for i in items_list() if "window" in i.channels or "kiosk" in i.channels]


def intake_context(
    *, request: HttpRequest, person: Any, item_code: str, bound: Any = None, token: str = "", error: str = ""
) -> dict[str, Any]:
    """What the workbench shows below the person card: every window item, and for the chosen
    one the materials on file and the generated form."""
    ctx: dict[str, Any] = {"items": _items(), "item": None, "intake_error": error}
    if not item_code:
        return ctx
    try:
        item = item_spec(code=item_code)
    except NotFound:
        ctx["intake_error"] = gettext("没有该事项")
        return ctx
    form_class = schema_form_class(item.form_schema)
    ctx.update(
        {
            "item": item,
            "item_form": bound if bound is not None else form_class(),
            "materials": materials_resolve(item=item, id_number=person.id_number, at=now()),
            "token": token or uuid.uuid4().hex,
            "commitment_allowed": item.commitment.allowed,
            "presented": set(request.POST.getlist("presented")) if request.POST.get("decision") else set(),
            "refuse_reason": request.POST.get("refuse_reason", "") if request.POST.get("decision") else "",
        }
    )
    return ctx


def person_cases(*, user: Any, person_id: int) -> dict[str, Any]:
    """The person card's cases: the person's unfinished cases in the clerk's scope (results
    waiting to be handed over among them), newest first, as list rows; ``more`` when there are
    more than one page holds."""
    page = cases_of_person(user=user, person_id=person_id, now=now())
    return {"person_cases": list_rows(page), "person_cases_more": page.has_next}


def handover_waiting(*, user: Any) -> int:
    """How many results wait to be handed over at the clerk's outlet (the workbench's link)."""
    return cases_handover_count(user=user)


@dataclass
class Outcome:
    redirect: HttpResponse | None
    context: dict[str, Any]
    status: int


def intake_post(*, request: HttpRequest, person: Any) -> Outcome:
    """File the case for ``person`` at the clerk's outlet and accept / refuse it, in one
    transaction (``case_submit`` with a decision). On a refused request nothing is written and
    everything typed is shown again with the reason (nothing lost)."""
    item_code = request.POST.get("item", "")
    token = request.POST.get("submit_token", "")
    decision = request.POST.get("decision", "")
    reason = request.POST.get("refuse_reason", "")
    try:
        item = item_spec(code=item_code)
    except NotFound:
        return Outcome(None, intake_context(request=request, person=person, item_code=""), 404)
    form = schema_form_class(item.form_schema)(request.POST)
    error = ""
    # A refusal needs only its reason: the form is checked when accepting, and a refusal keeps
    # the answers that were valid (case_submit).
    valid = form.is_valid()
    if decision not in DECISIONS or not token:
        error = gettext("请选择受理、告知承诺受理或不予受理")
    elif valid or decision == "refuse":
        try:
            case = case_submit(
                actor=viewer(request),
                item_code=item.code,
                form=form_data(form),
                channel="window",
                now=now(),
                id_number=person.id_number,
                presented=request.POST.getlist("presented"),
                idempotency_key=f"window:{token[:60]}",
                decision=Decision(decision, reason),  # type: ignore[arg-type]  # one of DECISIONS
                expedited=request.POST.get("expedited") == "1",
                elder_help=request.POST.get("elder_help") == "1",
            ).case
        except DomainError as exc:
            error = exc.message
            for err in exc.extra.get("errors", []):
                if err.get("field") in form.fields:
                    form.add_error(err["field"], err["message"])
        else:
            if decision == "refuse":
                return Outcome(redirect("cases:detail", number=case.number), {}, 302)
            return Outcome(redirect("cases:receipt", number=case.number), {}, 302)
    else:
        error = gettext("申请表填写有误")
    ctx = intake_context(request=request, person=person, item_code=item.code, bound=form, token=token, error=error)
    return Outcome(None, ctx, 400 if error else 200)
