"""What the buttons on a case page say and do: each move named for the action (撤回申请, 受理, 批准),
not the state it leads to, and a confirmation step before the moves that cannot be undone by the
person who makes them (withdraw, refuse, deny, revoke). The confirmation is a page of its own (no
script: it works with the keyboard alone and under the site's CSP)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from tongban.cases.models import Case, Status
from tongban.common.clock import now
from tongban.common.errors import DomainError, NotFound
from tongban.common.request import viewer
from tongban.common.roles import Role

#: the button for each move
ACTION_LABELS: dict[str, Any] = {
    Status.ACCEPTED: pgettext_lazy("action", "受理"),
    Status.REFUSED_AT_INTAKE: pgettext_lazy("action", "不予受理"),
    Status.IN_REVIEW: pgettext_lazy("action", "开始审核"),
    Status.SUPPLEMENT_REQUESTED: pgettext_lazy("action", "要求补正"),
    Status.RESUBMITTED: pgettext_lazy("action", "提交补正"),
    Status.APPROVED: pgettext_lazy("action", "批准"),
    Status.DENIED: pgettext_lazy("action", "不予批准"),
    Status.RESULT_ISSUED: pgettext_lazy("action", "出具结果"),
    Status.COMPLETED: pgettext_lazy("action", "确认已交付"),
    Status.WITHDRAWN: pgettext_lazy("action", "撤回申请"),
    Status.REVOKED: pgettext_lazy("action", "撤销决定"),
}
#: the question asked before a move that needs confirming
CONFIRM: dict[str, Any] = {
    Status.WITHDRAWN: _("确定撤回这份申请吗？撤回后办件即告结束，如需办理须重新申请。"),
    Status.REFUSED_AT_INTAKE: _("确定不予受理吗？申请人会收到通知和理由，办件即告结束。"),
    Status.DENIED: _("确定不予批准吗？申请人会收到通知和理由，办件即告结束。"),
    Status.REVOKED: _("确定因承诺不实撤销该办件的决定吗？此操作不能撤回。"),
}
DESTRUCTIVE = frozenset(CONFIRM)
NEEDS_REASON = frozenset({Status.REFUSED_AT_INTAKE, Status.SUPPLEMENT_REQUESTED, Status.DENIED, Status.REVOKED})


def case_actions(*, case: Case, user: Any, allowed: list[str]) -> list[dict[str, Any]]:
    """The buttons for the caller on this case, in the order the moves are usually made."""
    targets = [t for t in allowed if t != Status.REVOKED or case.under_commitment]
    if case.status in (Status.ACCEPTED, Status.RESUBMITTED) and getattr(user, "role", "") == Role.APPROVER:
        targets += [Status.APPROVED, Status.DENIED, Status.SUPPLEMENT_REQUESTED]
    # the constructive moves first, the destructive ones last
    targets = sorted(dict.fromkeys(targets), key=lambda t: t in DESTRUCTIVE)
    return [
        {
            "to": t,
            "label": ACTION_LABELS.get(t, t),
            "reason": t in NEEDS_REASON,
            "danger": t in DESTRUCTIVE,
        }
        for t in targets
    ]


def name_materials_en(case: Case, materials: list[Any]) -> Any:
    """Give each of the case's materials its English name (``name_en``) from the item's version;
    returns that version's spec, or None when it is gone."""
    from tongban.cases.selectors import item_spec

    try:
        spec = item_spec(code=case.item_code, version=case.item_version)
    except DomainError:
        return None
    english = {m.code: m.name_en for m in spec.materials}
    for m in materials:
        m.name_en = english.get(m.code, "")
    return spec


def case_answers(case: Case, materials: list[Any], *, staff: bool = True) -> list[tuple[str, str]]:
    """The application's answers as (question, answer) in the reader's language (answers the
    item's form does not list only for ``staff``); names the materials (``name_materials_en``)."""
    from tongban.catalog.words import form_values

    spec = name_materials_en(case, materials)
    if spec is None:
        return form_values({}, case.form_data or {})
    return form_values(_with_result_labels(spec), case.form_data or {}, unlisted=staff)


def _with_result_labels(spec: Any) -> dict[str, Any]:
    """The item's form schema, plus a title for each fact a service added to the form that the
    result's certificate prints (a truck pass's class, hours and operator): the reader sees the
    certificate's label, never the key."""
    from tongban.certificates.core.templates import UnknownTemplate
    from tongban.certificates.selectors import template_get

    schema = dict(spec.form_schema or {})
    code = getattr(spec.result, "certificate_template", None)
    if not code:
        return schema
    try:
        facts = template_get(code=str(code)).facts
    except UnknownTemplate:  # an item naming a template that is gone: its keys stay as they are
        return schema
    props = dict(schema.get("properties") or {})
    for fact in facts:
        props.setdefault(fact.key, {"title": fact.label_zh, "x-title-en": fact.label_en})
    return {**schema, "properties": props}


def confirm_needed(request: HttpRequest, case_number: str, to: str) -> HttpResponse | None:
    """The confirmation page for a move that needs one and was not yet confirmed, else None."""
    if to not in CONFIRM or request.POST.get("confirmed") == "1":
        return None
    from tongban.cases.machine import targets_from
    from tongban.cases.selectors import case_get

    try:
        case = case_get(user=request.user, number=case_number)
    except NotFound:
        raise Http404 from None
    if to not in targets_from(case.status, getattr(request.user, "role", "")):
        return None  # the move is refused by the service, with its reason
    return render(
        request,
        "cases/confirm.html",
        {
            "number": case_number,
            "to": to,
            "label": ACTION_LABELS[to],
            "question": CONFIRM[to],
            "reason": request.POST.get("reason", ""),
            "materials": request.POST.getlist("materials"),
        },
    )


@login_required
@require_POST
def material_verify(request: HttpRequest, number: str) -> HttpResponse:
    """A clerk or approver records an uploaded stand-in for a registry record as verified."""
    from tongban.cases.verification import case_material_verify
    from tongban.cases.views import _detail

    try:
        case_material_verify(number=number, code=request.POST.get("code", "")[:48], actor=viewer(request), now=now())
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return _detail(request, number, status=exc.status, error=exc.message)
    messages.success(request, _("已记录核验结果"))
    return redirect("cases:detail", number=number)


@login_required
def material_file(request: HttpRequest, number: str, code: str) -> HttpResponseBase:
    """The file a person handed in for one material, for whoever may read the case (the staff who
    verify an upload read it here first); every staff read is audited."""
    import mimetypes

    from django.core.files.storage import default_storage
    from django.http import FileResponse

    from tongban.audit.reads import audit_staff_read
    from tongban.cases.selectors import case_get

    try:
        case = case_get(user=request.user, number=number)
    except NotFound:
        raise Http404 from None
    m = case.materials.filter(code=code[:48]).exclude(file="").first()
    if m is None or not default_storage.exists(m.file):
        raise Http404
    audit_staff_read(
        actor=viewer(request), object_type="case", object_id=number, at=now(), channel="page", what=f"material:{m.code}"
    )
    kind = mimetypes.guess_type(m.file)[0] or "application/octet-stream"
    return FileResponse(default_storage.open(m.file, "rb"), content_type=kind, filename=m.file.rsplit("/", 1)[-1])
