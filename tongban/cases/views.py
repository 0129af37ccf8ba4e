"""Case pages: apply (form generated from the item's schema), my cases, a case, the receipt,
the approvers' queue with bulk actions. Views translate input and call services and selectors."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Hashable
from html import escape
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template import RequestContext
from django.template.loader import get_template
from django.urls import get_script_prefix, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.audit.reads import audit_staff_read
from tongban.cases.actions import case_actions, case_answers, confirm_needed
from tongban.cases.forms import ActForm, form_data, schema_form_class
from tongban.cases.machine import QUEUE
from tongban.cases.models import Status
from tongban.cases.selectors import (
    Page,
    RowCountdown,
    case_detail,
    case_get,
    case_queue,
    cases_mine,
    item_spec,
    materials_resolve,
)
from tongban.cases.services import case_accept, case_material_provide, case_submit, case_transition
from tongban.cases.templatetags.cases_tags import badge
from tongban.cases.uploads import discard_uploads, material_upload_check, store_upload, upload_check
from tongban.catalog.selectors import item_precheck
from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError, NotFound
from tongban.common.params import page_or_first
from tongban.common.ratelimit import submit_rate_limit
from tongban.common.roles import Role
from tongban.registry.selectors import region_name
from tongban.workdays.calendar import SHANGHAI

CITIZENS = (Role.CITIZEN, Role.ENTERPRISE)
STAFF = (Role.CLERK, Role.APPROVER, Role.ADMIN, Role.AUDITOR)


def _problem(form: Any, exc: DomainError) -> None:
    form.add_error(None, exc.message)
    for err in exc.extra.get("errors", []):
        field = err.get("field")
        if field in form.fields:
            form.add_error(field, err.get("message"))


@login_required
@role_required(*CITIZENS)
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """网上申请: the item's form, the materials checklist (what is on file), uploads for the rest."""
    try:
        item = item_spec(code=code)
    except NotFound:
        raise Http404 from None
    form_class = schema_form_class(item.form_schema)
    at = now()
    materials = materials_resolve(item=item, id_number=request.user.id_number or "", at=at)  # type: ignore[union-attr]
    precheck = item_precheck(spec=item, id_number=request.user.id_number or "", at=at)[0]  # type: ignore[union-attr]
    status = 200
    token = request.POST.get("submit_token", "") if request.method == "POST" else uuid.uuid4().hex
    form = form_class(request.POST or None)
    if request.method == "POST":
        try:  # before any file is stored
            submit_rate_limit(who=request.user.pk, at=at)
        except DomainError as exc:
            _problem(form, exc)
        presented: list[str] = []
        uploads: dict[str, str] = {}
        # Stored only for an otherwise valid form, removed on refusal or replay (issue 16 #7).
        files = {
            m.code: (m, f) for m in materials if m.state == "missing" and (f := request.FILES.get(f"material_{m.code}"))
        }
        for m, f in files.values():
            try:
                upload_check(f)
            except ValueError as exc:
                form.add_error(None, f"{m.name_zh}: {exc}")
        for m, f in files.values() if form.is_valid() and token else ():
            try:
                uploads[m.code] = store_upload(f=f, user_pk=request.user.pk, token=token, code=m.code, at=at)
                presented.append(m.code)
            except DomainError as exc:
                _problem(form, exc)
        if form.is_valid() and token:
            try:
                result = case_submit(
                    actor=request.user,
                    item_code=item.code,
                    form=form_data(form),
                    channel="online",
                    now=at,
                    presented=presented,
                    files=uploads,
                    idempotency_key=f"form:{token[:60]}",
                )
            except DomainError as exc:
                _problem(form, exc)
            else:
                if not result.created:
                    discard_uploads(uploads.values())
                return redirect("cases:detail", number=result.case.number)
        discard_uploads(uploads.values())
        status = 400
    return render(
        request,
        "cases/apply.html",
        {
            "item": item,
            "form": form,
            "materials": materials,
            "token": token,
            "online": "online" in item.channels,
            "precheck": precheck,
        },
        status=status,
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的办件: status and deadline of each case, newest first."""
    page = cases_mine(user=request.user, now=now(), page=page_or_first(request.GET.get("page")))
    lang = get_language()
    return _list_response(
        request,
        "cases/mine.html",
        rows_html=_rows_html(page, queue=False, lang=lang),
        pager_html=_pager_html(page, lang=lang),
        context=dict,
    )


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """One case: status, countdown, materials with provenance, history, and the caller's actions."""
    response = _detail(request, number)
    audit_staff_read(actor=request.user, object_type="case", object_id=number, at=now(), channel="page")
    return response


def _detail(request: HttpRequest, number: str, *, status: int = 200, error: str = "") -> HttpResponse:
    try:
        case = case_get(user=request.user, number=number)
    except NotFound:
        raise Http404 from None
    d = case_detail(user=request.user, case=case, now=now())
    d["actions"] = case_actions(case=case, user=request.user, allowed=d["allowed"])
    d["answers"] = case_answers(case, d["materials"])
    d["region_name"] = region_name(case.handling_region)
    d["can_verify"] = getattr(request.user, "role", "") in (Role.CLERK, Role.APPROVER, Role.ADMIN)
    d["error"] = error
    d["can_upload"] = case.status not in (
        Status.COMPLETED,
        Status.WITHDRAWN,
        Status.REVOKED,
        Status.DENIED,
        Status.REFUSED_AT_INTAKE,
    )
    return render(request, "cases/detail.html", d, status=status)


@login_required
@require_POST
def act(request: HttpRequest, number: str) -> HttpResponse:
    """A move from the case page (accept, refuse, withdraw, resubmit, review, decide, revoke)."""
    form = ActForm(request.POST)
    if not form.is_valid():
        return _detail(request, number, status=400, error=_("请求不完整"))
    to, reason = form.cleaned_data["to"], form.cleaned_data["reason"]
    if (confirm := confirm_needed(request, number, to)) is not None:
        return confirm
    try:
        if to == Status.ACCEPTED:
            case_accept(number=number, actor=request.user, now=now(), commitment=form.cleaned_data["commitment"])
        else:
            case_transition(
                number=number,
                to=to,
                actor=request.user,
                now=now(),
                reason=reason,
                materials=request.POST.getlist("materials") if to == Status.SUPPLEMENT_REQUESTED else (),
            )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return _detail(request, number, status=exc.status, error=exc.message)
    messages.success(request, _("已办理"))
    return redirect("cases:detail", number=number)


@login_required
@require_POST
def material(request: HttpRequest, number: str) -> HttpResponse:
    """Hand in a missing or promised material (supplement or 告知承诺)."""
    code = request.POST.get("code", "")
    f = request.FILES.get("file")
    if f is None:
        return _detail(request, number, status=400, error=_("请选择文件"))
    path = ""
    try:
        # Checked before anything is stored (issue 16 finding 7); a refusal after storing deletes.
        material_upload_check(user=request.user, number=number, code=code)
        at = now()
        path = store_upload(f=f, user_pk=request.user.pk, token=number, code=code, at=at)
        case_material_provide(number=number, code=code, actor=request.user, now=at, file=path)
        path = ""
    except ValueError as exc:
        return _detail(request, number, status=400, error=str(exc))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return _detail(request, number, status=exc.status, error=exc.message)
    finally:
        discard_uploads([path])
    messages.success(request, _("材料已提交"))
    return redirect("cases:detail", number=number)


@login_required
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    """受理回执: printable acceptance receipt with the case number and the deadline."""
    try:
        case = case_get(user=request.user, number=number)
    except NotFound:
        raise Http404 from None
    if case.accepted_at is None:
        raise Http404
    d = case_detail(user=request.user, case=case, now=now())
    audit_staff_read(actor=request.user, object_type="case", object_id=number, at=now(), channel="page", what="receipt")
    return render(request, "cases/receipt.html", d)


@login_required
@role_required(Role.APPROVER, Role.CLERK, Role.ADMIN)
def queue(request: HttpRequest) -> HttpResponse:
    """审批队列: the department's open cases, most urgent first, with SLA countdowns."""
    status = request.GET.get("status", "")
    status = status if status in QUEUE else ""
    page = case_queue(user=request.user, now=now(), page=page_or_first(request.GET.get("page")), status=status)
    template = "cases/partials/queue_rows.html" if request.META.get("HTTP_HX_REQUEST") else "cases/queue.html"
    lang = get_language()
    return _list_response(
        request,
        template,
        rows_html=_rows_html(page, queue=True, lang=lang),
        pager_html=_pager_html(page, lang=lang, status=status, target="#queue-rows"),
        context=lambda: {"status": status, "states": [(s, Status(s).label) for s in QUEUE]},
        shape=(status,),
    )


@login_required
@role_required(Role.APPROVER)
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Approve or start reviewing the ticked cases; each is its own transaction."""
    to = request.POST.get("to", "")
    numbers = list(dict.fromkeys(request.POST.getlist("numbers")))[:100]
    if to not in ("in_review", "approved") or not numbers:
        messages.error(request, _("请选择办件和操作"))
        return redirect("cases:queue")
    done, refused = 0, []
    at = now()
    for number in numbers:
        try:
            case_transition(number=number, to=to, actor=request.user, now=at)
            done += 1
        except DomainError as exc:
            refused.append(f"{number}: {exc.message}")
    messages.success(request, _("已办理 %(n)d 件") % {"n": done})
    for line in refused:
        messages.error(request, line)
    return redirect("cases:queue")


def intake(request: HttpRequest) -> HttpResponse:
    """Window intake lives on the clerk workbench (web:workbench); this name redirects there."""
    return redirect("web:workbench")


# --- the two list pages -----------------------------------------------------------------------------
# An approver's queue and a citizen's cases are the hottest pages of the site. Their rows and pager
# are built here in Python (the template engine costs several times more per row), with display
# strings (status labels, badges, the deadline suffix) translated once per language and process.
# The page around the rows is rendered by the templates as usual, but only once per shape (language,
# user, path, filter, whether there are rows) and process: per request the rows, pager, CSRF token
# and current path are put into that rendered shell. A page with pending messages, and every page
# in DEBUG, is rendered in full. tests/test_list_pages.py checks that both ways give the same HTML.

_MEMO: dict[Hashable, str] = {}
_LABELS: dict[str, dict[str, str]] = {}
_ESCAPED: dict[str, str] = {}
_ESCAPED_MAX = 4096
_ONE_DAY = dt.timedelta(days=1)
_SHELLS: dict[Hashable, list[str] | None] = {}
_SHELLS_MAX = 2048
_SLOT = "\ue000"  # private-use code point: never escaped, never in our text
_CSRF, _PATH, _ROWS, _PAGER = (f"{_SLOT}{name}{_SLOT}" for name in ("csrf", "path", "rows", "pager"))
_SLOTS = re.compile(f"({_SLOT}[a-z]+{_SLOT})")


def _memo(key: Hashable, make: Callable[[], str]) -> str:
    hit = _MEMO.get(key)
    if hit is None:
        hit = _MEMO[key] = make()
    return hit


def _status_texts(lang: str) -> dict[str, str]:
    """Every status's label in ``lang``, escaped (worked out once per language and process)."""

    def make() -> dict[str, str]:
        from tongban.cases.templatetags.cases_tags import status_label

        return {value: escape(status_label(value)) for value in Status.values}

    hit = _LABELS.get(lang)
    if hit is None:
        hit = _LABELS[lang] = make()
    return hit


def _status_text(labels: dict[str, str], value: str) -> str:
    hit = labels.get(value)
    return escape(value) if hit is None else hit  # a status added to the data but not to the code


def _badge_html(lang: str, cd: RowCountdown) -> str:
    def make() -> str:
        css, text = badge(cd)
        return f'<span class="{css}">{escape(text)}</span>'

    hours = None if cd.seconds_left is None else round(cd.seconds_left / 3600, 1)  # as the badge shows it
    return _memo(("badge", lang, cd.urgency, cd.days_left, hours), make)


def _escaped(value: str) -> str:
    """``escape(value)`` for columns with few distinct values (item names, urgencies)."""
    hit = _ESCAPED.get(value)
    if hit is None:
        if len(_ESCAPED) >= _ESCAPED_MAX:
            _ESCAPED.clear()
        hit = _ESCAPED[value] = escape(value)
    return hit


def _deadline_text(before: str, value: dt.datetime | None) -> str:
    """The deadline as the list shows it: a deadline at midnight is "the day before 前办结"."""
    if value is None:
        return "—"
    local = value.astimezone(SHANGHAI)
    if local.hour or local.minute or local.second or local.microsecond:
        return local.isoformat(" ", "minutes")[:16]  # YYYY-MM-DD HH:MM (no offset)
    return f"{(local.date() - _ONE_DAY).isoformat()} {before}"


def _local_text(value: dt.datetime | None) -> str:
    return "—" if value is None else value.astimezone(SHANGHAI).isoformat(" ", "minutes")[:16]


def _rows_html(page: Page, *, queue: bool, lang: str) -> str:
    """The <tr> rows of a list page; every value from the database is escaped."""
    base = _memo(("detail", get_script_prefix()), lambda: reverse("cases:detail", args=["0"])[:-2])
    labels = _status_texts(lang)
    before = _memo(("before", lang), lambda: escape(_("前办结")))
    out = []
    for row in page.rows:
        c, cd = row["case"], row["countdown"]
        n = escape(c.number)
        status, dl, left = _status_text(labels, c.status), _deadline_text(before, c.deadline_at), _badge_html(lang, cd)
        if queue:
            out.append(
                f'<tr data-number="{n}" data-urgency="{_escaped(cd.urgency)}">'
                f'<td><input type="checkbox" name="numbers" value="{n}" aria-label="{n}"></td>'
                f'<td><a href="{base}{n}/">{n}</a></td><td>{_escaped(c.item_name)}</td>'
                f"<td>{escape(c.applicant_name)}</td><td>{status}</td><td>{dl}</td><td>{left}</td></tr>"
            )
        else:
            out.append(
                f'<tr data-number="{n}" data-status="{_escaped(c.status)}">'
                f'<td><a href="{base}{n}/">{n}</a></td><td>{_escaped(c.item_name)}</td><td>{status}</td>'
                f"<td>{_local_text(c.submitted_at)}</td><td>{dl}</td><td>{left}</td></tr>"
            )
    return "\n".join(out)


def _pager_html(page: Page, *, lang: str, status: str = "", target: str = "") -> str:
    """上一页 · 第 N 页 · 下一页 (no total: counting a department's queue is not worth its cost).
    With ``target`` the links load the htmx partial into that element (plain links without JS)."""
    extra = f"&amp;status={escape(status)}" if status else ""
    label = _memo(("pages", lang), lambda: escape(_("分页")))

    def link(n: int, text: str) -> str:
        url = f"?page={n}{extra}"
        hx = f' hx-get="{url}" hx-target="{target}" hx-push-url="true"' if target else ""
        return f'<a href="{url}"{hx}>{text}</a>'

    prev = link(page.page - 1, _memo(("prev", lang), lambda: escape(_("上一页")))) if page.page > 1 else ""
    nxt = link(page.page + 1, _memo(("next", lang), lambda: escape(_("下一页")))) if page.has_next else ""
    here = escape(_memo(("page_n", lang), lambda: _("第 %(n)s 页")) % {"n": page.page})
    return f'<nav class="pager" aria-label="{label}">{prev} <span>{here}</span> {nxt}</nav>'


class _ShellRequest:
    """The request as the shell's template sees it: its full path is a slot (filled per request)."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)

    def get_full_path(self, force_append_slash: bool = False) -> str:
        return _PATH


def _shell(request: HttpRequest, template_name: str, context: dict[str, Any], *, rows: bool) -> list[str] | None:
    """``template_name`` rendered with slots for the rows, pager, CSRF token and path, split at
    the slots; None when a slot came out altered (then the page is rendered in full)."""
    template = get_template(template_name).template  # type: ignore[attr-defined]
    slots = {"rows_html": mark_safe(_ROWS if rows else ""), "pager_html": mark_safe(_PAGER)}  # noqa: S308
    ctx = RequestContext(_ShellRequest(request), {**context, **slots})  # type: ignore[arg-type]
    ctx["csrf_token"] = _CSRF  # above the context processors' values
    parts = _SLOTS.split(template.render(ctx))
    known = {_CSRF, _PATH, _ROWS, _PAGER}
    if any(_SLOT in p and p not in known for p in parts):
        return None
    return parts


def _list_response(
    request: HttpRequest,
    template_name: str,
    *,
    rows_html: str,
    pager_html: str,
    context: Callable[[], dict[str, Any]],
    shape: tuple[Hashable, ...] = (),
) -> HttpResponse:
    """A list page: from its cached shell when there is one, else rendered in full."""
    user: Any = request.user
    if settings.DEBUG or len(messages.get_messages(request)):
        return _full(request, template_name, context(), rows_html=rows_html, pager_html=pager_html)
    key = (
        template_name,
        get_language(),
        request.path,
        user.pk,
        str(user),
        user.role,
        user.department,
        bool(rows_html),
        *shape,
    )
    if key in _SHELLS:
        parts = _SHELLS[key]
    else:
        if len(_SHELLS) >= _SHELLS_MAX:
            _SHELLS.clear()
        parts = _SHELLS[key] = _shell(request, template_name, context(), rows=bool(rows_html))
    if parts is None:
        return _full(request, template_name, context(), rows_html=rows_html, pager_html=pager_html)
    fill = {_ROWS: rows_html, _PAGER: pager_html, _PATH: escape(request.get_full_path())}
    if _CSRF in parts:
        fill[_CSRF] = get_token(request)
    return HttpResponse("".join([fill.get(p, p) for p in parts]))


def _full(
    request: HttpRequest, template_name: str, context: dict[str, Any], *, rows_html: str, pager_html: str
) -> HttpResponse:
    """A list page rendered in full by the template engine."""
    html = {"rows_html": mark_safe(rows_html), "pager_html": mark_safe(pager_html)}  # noqa: S308  (escaped when built)
    return render(request, template_name, {**context, **html})
