"""The staff console's item pages: the list, the edit form with a preview of the guide page, and
the version history. Every write goes through ``tongban.catalog.services`` (a new version, one
audit row)."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from tongban.cases.picker import pinyin_initials
from tongban.catalog.selectors import item_get, items_list, materials_on_file
from tongban.catalog.services import ItemChange, item_change_apply, item_change_build, item_history, materials_known
from tongban.catalog.templatetags.catalog_tags import fee, loc, time_limit
from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.errors import Invalid, NotFound
from tongban.common.request import viewer
from tongban.common.roles import Department, Role
from tongban.web.console.forms import ItemEditForm

ADMIN = Role.ADMIN


def _spec_or_404(code: str) -> Any:
    try:
        return item_get(code=code)
    except NotFound:
        raise Http404(code) from None


@login_required
@role_required(ADMIN)
def index(request: HttpRequest) -> HttpResponse:
    """The console's entry page: what an administrator changes, one card each."""
    superuser = bool(getattr(request.user, "is_superuser", False))
    return render(request, "console/index.html", {"superuser": superuser})


@login_required
@role_required(ADMIN)
def item_list(request: HttpRequest) -> HttpResponse:
    """Every item with what the console edits: time limit, fee, materials, version."""
    rows = [
        {
            "code": spec.code,
            "name": loc(spec, "name"),
            "department": Department(spec.department).label,
            "promised": time_limit(spec.promised_limit),
            "fee": fee(spec.fee_yuan),
            "materials": len(spec.materials),
            "version": spec.version,
        }
        for spec in sorted(items_list(), key=lambda s: (s.department, s.code))
    ]
    return render(request, "console/items.html", {"rows": rows})


def _material_rows(form: ItemEditForm) -> list[dict[str, Any]]:
    known = {m.code: m for m in form.spec.materials}
    vocabulary = None
    rows = []
    for code, required in form.material_rows():
        m = known.get(code)
        if m is None:
            vocabulary = vocabulary if vocabulary is not None else materials_known()
            m = vocabulary.get(code)
        rows.append({"code": code, "name": loc(m, "name") if m else code, "required": required})
    return rows


def _material_choices(spec: Any) -> list[dict[str, str]]:
    """The materials an item can add (those other items define), for the searchable list: each
    named in the reader's language (two that share a name also show the other language's), in
    reading order (pinyin for Chinese), with the text a search matches (Chinese name, its pinyin
    initials, English name)."""
    have = {m.code for m in spec.materials}
    english = (get_language() or "").startswith("en")
    choices = []
    for m in materials_known().values():
        if m.code in have:
            continue
        name, other = (m.name_en, m.name_zh) if english else (m.name_zh, m.name_en)
        search = " ".join((m.name_zh, pinyin_initials(m.name_zh), m.name_en.lower()))
        choices.append({"code": m.code, "name": name, "other": other, "search": search})
    names = Counter(c["name"] for c in choices)
    for c in choices:
        if names[c["name"]] > 1:
            c["name"] = f"{c['name']} ({c['other']})" if english else f"{c['name']}（{c['other']}）"
    if english:
        choices.sort(key=lambda c: c["name"].casefold())
    else:
        choices.sort(key=lambda c: (lazy_pinyin(c["name"]), c["name"]))
    return choices


def _edit_context(form: ItemEditForm, spec: Any, problems: list[str]) -> dict[str, Any]:
    choices = _material_choices(spec)
    return {
        "item": spec,
        "name": loc(spec, "name"),
        "form": form,
        "materials": _material_rows(form),
        "choices": choices,
        "problems": problems,
        "legal": time_limit(spec.legal_limit),
    }


def _posted(request: HttpRequest) -> list[tuple[str, str]]:
    """What the edit form sent, to carry through the preview page as hidden fields."""
    return [
        (key, value)
        for key in request.POST
        if key not in ("csrfmiddlewaretoken", "action")
        for value in request.POST.getlist(key)
    ]


@login_required
@role_required(ADMIN)
def item_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit an item: ``action=preview`` shows the guide page as it would read; ``action=save``
    saves a new version; ``action=edit`` (back from the preview) shows the form as sent."""
    spec = _spec_or_404(code)
    problems: list[str] = []
    if request.method != "POST":
        form = ItemEditForm(spec=spec)
        return render(request, "console/item_edit.html", _edit_context(form, spec, problems))
    form = ItemEditForm(request.POST, spec=spec)
    action = request.POST.get("action", "preview")
    status = 400
    if action != "edit" and form.is_valid():
        change: ItemChange = form.change()
        try:
            if action == "save":
                saved = item_change_apply(
                    code=code, change=change, actor=viewer(request), at=now(), note=form.cleaned_data["note"]
                )
                if saved.version == spec.version:
                    messages.info(request, _("没有改动，未生成新版本"))
                else:
                    messages.success(request, _("已保存为第 %(v)s 版") % {"v": saved.version})
                return redirect("console:item_history", code=code)
            preview = item_change_build(code=code, change=change)
        except Invalid as exc:
            problems = list(exc.extra.get("problems") or [exc.message])
        else:
            return _preview(request, preview, spec)
    elif action == "edit":
        form.is_valid()
        status = 200
    return render(request, "console/item_edit.html", _edit_context(form, spec, problems), status=status)


def _preview(request: HttpRequest, preview: Any, current: Any) -> HttpResponse:
    """The guide page as it would read after saving, with the save and back buttons on top."""
    context = {
        "item": preview,
        "materials": materials_on_file(spec=preview, id_number=None, at=now()),
        "personal": False,
        "precheck": [],
        "apply_url": None,
        "has_outlets_partial": False,
        "has_appointments_partial": False,
        "department_label": Department(preview.department).label,
        "is_current": True,
        "current_version": current.version,
        "posted": _posted(request),
        "note": request.POST.get("note", ""),
    }
    return render(request, "console/item_preview.html", context)


@login_required
@role_required(ADMIN)
def item_history_page(request: HttpRequest, code: str) -> HttpResponse:
    """Every version of an item: who saved it, when, why and what changed; each opens as the
    guide page read then."""
    spec = _spec_or_404(code)
    rows = item_history(code=code)
    for row in rows:
        promised = row["promised"]
        row["promised_text"] = time_limit(SimpleNamespace(**promised)) if promised else ""
        row["fee_text"] = fee(row["fee_yuan"]) if row["fee_yuan"] is not None else ""
        row["material_names"] = [{"name": loc(m, "name"), "required": m["required"]} for m in row["materials"]]
    return render(request, "console/item_history.html", {"item": spec, "name": loc(spec, "name"), "rows": rows})
