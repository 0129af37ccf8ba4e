"""The auditor's pages of the audit log (审计日志): the filtered list, its CSV export, one entry,
and the chain's integrity. Auditors and administrators only (``role_required`` on each view and the
log's own access rule, ``AuditEntry.ACCESS``, through ``access_filter``).

Reading the list, an entry or the integrity block writes nothing: it is the auditors' own work, and
an entry per page view would bury the log in entries about reading it (and put itself at the top of
the list it shows). What leaves the log or touches a person is audited: an export (``audit.export``,
with its filters and row count), a 查阅记录 look-up (``audit.lookup``, views_lookup.py) and a
verification run (``audit.verify``, with what it found).
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from tongban.audit.checkpoints import checkpoint_latest, checkpoint_storage
from tongban.audit.keys import audit_public_keys
from tongban.audit.labels import action_label
from tongban.audit.models import AuditEntry
from tongban.audit.selectors import (
    SHANGHAI,
    AuditFilters,
    audit_entry_link,
    audit_last_verification,
    audit_log_page,
    audit_log_query,
)
from tongban.audit.services import audit_record
from tongban.audit.tasks import audit_verify_for_task
from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.masking import mask_text
from tongban.common.request import viewer
from tongban.common.roles import Role
from tongban.outlets.models import Outlet
from tongban.web.auditlog.forms import FilterForm
from tongban.web.auditlog.summary import entry_row, verify_findings, zh

READERS = (Role.AUDITOR, Role.ADMIN)
PER_PAGE = 50
EXPORT_CAP = 50_000
CSV_KEYS = ("actor", "role", "outlet", "action", "object_type", "object_id", "summary", "id")


def _filters(form: FilterForm) -> AuditFilters:
    """The form's values as filters, the typed actor and outlet resolved to ids and codes."""
    data = form.cleaned_data
    actor_ids = None
    actor = (data.get("actor") or "").strip()
    if actor:
        users = get_user_model().objects.filter(Q(username=actor) | Q(real_name=actor))
        actor_ids = list(users.values_list("pk", flat=True)[:50])
    outlet_codes = None
    outlet = (data.get("outlet") or "").strip()
    if outlet:
        found = Outlet.objects.filter(Q(code=outlet) | Q(name__contains=outlet)).values_list("code", flat=True)
        outlet_codes = list(found[:200])
    return AuditFilters(
        since=data.get("since"),
        until=data.get("until"),
        action=data.get("action") or "",
        actor_ids=actor_ids,
        actor_label=actor,
        object_id=(data.get("object") or "").strip(),
        role=data.get("role") or "",
        outlet_codes=outlet_codes,
    )


def _outlet_names(entries: list[AuditEntry]) -> dict[str, str]:
    codes = {e.outlet_code for e in entries if e.outlet_code}
    return dict(Outlet.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


def _rows(entries: list[AuditEntry]) -> list[dict[str, Any]]:
    outlets = _outlet_names(entries)
    return [entry_row(e, outlets) for e in entries]


def _query_string(form: FilterForm) -> str:
    """The filters as a query string (the next page and the export keep them)."""
    data = form.cleaned_data if form.is_valid() else {}
    pairs = [(k, str(v)) for k, v in data.items() if v not in (None, "")]
    return urlencode(pairs)


@login_required
@role_required(*READERS)
def entry_list(request: HttpRequest) -> HttpResponse:
    """审计日志: newest first, filtered, 50 a page (keyset: 下一页 carries the last entry's id)."""
    form = FilterForm(request.GET or None)
    rows: list[dict[str, Any]] = []
    next_before = None
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        status = 200
        if not form.is_bound:
            form = FilterForm({})
            form.is_valid()
        qs = audit_log_query(user=request.user, filters=_filters(form))
        try:
            before = int(request.GET.get("before", "")) if request.GET.get("before") else None
        except ValueError:
            before = None
        entries, next_before = audit_log_page(qs, before=before, per_page=PER_PAGE)
        rows = _rows(entries)
    query = _query_string(form)
    context = {
        "form": form,
        "rows": rows,
        "query": query,
        "next_url": f"?{query}&before={next_before}" if next_before else "",
        "first_url": f"?{query}" if request.GET.get("before") else "",
        "cap": f"{EXPORT_CAP:,}",
        "tab": "list",
    }
    return render(request, "audit/list.html", context, status=status)


def _write(writer: Any, entries: list[AuditEntry]) -> int:
    """Write these entries as CSV rows (time in Beijing time); returns how many."""
    for row in _rows(entries):
        at = timezone.localtime(row["at"], SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow([at, *(row[k] for k in CSV_KEYS)])
    return len(entries)


@login_required
@role_required(*READERS)
def export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV (UTF-8 with a BOM, so Excel reads the Chinese), at most
    ``EXPORT_CAP`` rows; the export itself is audited (``audit.export``)."""
    form = FilterForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("筛选条件有误，请改正后再导出。"))
        return redirect("audit:list")
    filters = _filters(form)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            _("时间"),
            _("操作人"),
            _("角色"),
            _("网点"),
            pgettext("audit entry", "操作"),
            _("对象类型"),
            _("对象"),
            pgettext("audit entry", "内容"),
            _("记录编号"),
        ]
    )
    written = 0
    capped = False
    batch: list[AuditEntry] = []
    # Streamed from the database in chunks (up to the cap plus one, to tell a capped export).
    for entry in audit_log_query(user=request.user, filters=filters)[: EXPORT_CAP + 1].iterator(chunk_size=2000):
        if written + len(batch) == EXPORT_CAP:
            capped = True
            break
        batch.append(entry)
        if len(batch) == 2000:
            written += _write(writer, batch)
            batch = []
    written += _write(writer, batch)
    if capped:
        cap = f"{EXPORT_CAP:,}"
        writer.writerow([_("已达导出上限 %(n)s 条，其余记录未导出；请缩小日期范围后分批导出。") % {"n": cap}])
    with transaction.atomic():
        audit_record(
            action="audit.export",
            object_type="audit_log",
            object_id="csv",
            at=now(),
            actor=viewer(request),
            data={"rows": written, "capped": capped, "filters": _query_string(form)[:400]},
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(now(), SHANGHAI).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


@login_required
@role_required(*READERS)
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One entry in full: every field in words, its hashes and how it links to the one before."""
    entry = audit_log_query(user=request.user, filters=AuditFilters()).filter(pk=pk).first()
    if entry is None:
        raise Http404
    row = _rows([entry])[0]
    context = {
        "e": entry,
        "row": row,
        "findings": verify_findings(entry.data) if entry.action == "audit.verify" else [],
        "link": audit_entry_link(entry),
        "tab": "list",
    }
    return render(request, "audit/detail.html", context)


def _zh_html(text: str) -> str:
    """Stored text for a sentence of the page, marked Chinese when it is (a name on an English page)."""
    return format_html('<span lang="zh-Hans">{}</span>', text) if zh(text) else text


def _checkpoint() -> tuple[Any, bool]:
    """(the newest signed checkpoint or None, whether reading it failed)."""
    try:
        return checkpoint_latest(storage=checkpoint_storage(), keys=audit_public_keys()), False
    except Exception:  # an unreadable export is shown as such; 立即核验 says why
        return None, True


@login_required
@role_required(*READERS)
def integrity(request: HttpRequest) -> HttpResponse:
    """链完整性: the newest signed checkpoint and the last verification, with 立即核验."""
    checkpoint, unreadable = _checkpoint()
    last = audit_last_verification(user=request.user)
    context = {
        "checkpoint": checkpoint,
        "unreadable": unreadable,
        "last": last,
        "last_by_html": _zh_html(mask_text(last.actor_label)) if last is not None else "",
        "findings": verify_findings(last.data) if last is not None else [],
        "notes": verify_findings(last.data, "notes") if last is not None else [],
        "last_label": action_label("audit.verify"),
        "tab": "integrity",
    }
    return render(request, "audit/integrity.html", context)


@login_required
@role_required(*READERS)
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """立即核验: the same check as ``tongban audit verify``, run as a task (it reads every entry);
    its result is recorded as an ``audit.verify`` entry that the integrity page shows."""
    before = audit_last_verification(user=request.user)
    audit_verify_for_task.enqueue(int(viewer(request).pk))
    after = audit_last_verification(user=request.user)
    if after is not None and (before is None or after.pk != before.pk):
        messages.success(request, _("核验已完成，结果见下方。"))
    else:
        messages.info(request, _("核验已开始。日志较大时需要几分钟，请稍后刷新本页查看结果。"))
    return redirect("audit:integrity")
