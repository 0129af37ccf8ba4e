"""An administrator's everyday edits of an item (the staff console): promised time limit, fee,
materials and guide texts. A change is applied to the current spec, validated as a whole spec,
and saved as a new version through ``item_version_create`` (one transaction, one audit row).

Materials come from a controlled vocabulary: every material some item's current version lists
(``materials_known``). An administrator adds one of those by code; a code nobody has defined is
refused, so a new material is introduced through a reviewed item file, not typed in a form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from tongban.catalog.loader import CatalogFileError, spec_validate
from tongban.catalog.models import ItemVersion
from tongban.catalog.schemas import ItemSpec, Material
from tongban.catalog.selectors import item_get, items_list
from tongban.common.access import Viewer
from tongban.common.errors import Invalid

#: Fields of a spec the console edits, in the order the history names them.
EDITED: tuple[str, ...] = ("promised_limit", "fee_yuan", "fee_note_zh", "fee_note_en", "materials")
EDITED += ("summary_zh", "summary_en", "conditions_zh", "conditions_en")
#: How the history names a changed field.
FIELD_LABELS = {
    "name_zh": gettext_lazy("事项名称"),
    "legal_limit": gettext_lazy("法定时限"),
    "promised_limit": gettext_lazy("承诺时限"),
    "fee_yuan": gettext_lazy("收费标准"),
    "fee_note_zh": gettext_lazy("收费说明（中文）"),
    "fee_note_en": gettext_lazy("收费说明（英文）"),
    "materials": gettext_lazy("申请材料"),
    "summary_zh": gettext_lazy("事项简介（中文）"),
    "summary_en": gettext_lazy("事项简介（英文）"),
    "conditions_zh": gettext_lazy("办理条件（中文）"),
    "conditions_en": gettext_lazy("办理条件（英文）"),
}


@dataclass(frozen=True)
class ItemChange:
    """What the console form sends: the whole editable part of an item.

    ``materials`` lists (code, required) of the materials kept, in order; a material of the
    current version not listed is removed; a code not in the current version is added from the
    vocabulary (``materials_known``).
    """

    promised_days: int
    fee_yuan: Decimal
    fee_note_zh: str = ""
    fee_note_en: str = ""
    summary_zh: str = ""
    summary_en: str = ""
    conditions_zh: str = ""
    conditions_en: str = ""
    materials: list[tuple[str, bool]] = field(default_factory=list)


def materials_known() -> dict[str, Material]:
    """Every material defined by some item's current version, by code (the first definition
    wins, items in code order)."""
    known: dict[str, Material] = {}
    for spec in sorted(items_list(), key=lambda s: s.code):
        for m in spec.materials:
            known.setdefault(m.code, m)
    return known


def _text(value: str) -> str | None:
    value = value.strip()
    return value or None


def item_change_build(*, code: str, change: ItemChange) -> ItemSpec:
    """The spec ``change`` would make of item ``code``'s current version, validated, not saved.

    Raises Invalid with ``problems`` (one sentence a person can act on per problem): a negative
    or too long promised time limit, a negative fee, an unknown or repeated material, a spec the
    schema refuses. NotFound for an unknown item.
    """
    current = item_get(code=code)
    problems: list[str] = []
    if change.promised_days < 0:
        problems.append(gettext("承诺时限不能为负数"))
    legal = current.legal_limit
    if legal.unit == current.promised_limit.unit and change.promised_days > legal.value:
        problems.append(gettext("承诺时限不能超过法定时限（%(n)d）") % {"n": legal.value})
    if change.fee_yuan < 0:
        problems.append(gettext("收费标准不能为负数"))
    have = {m.code: m for m in current.materials}
    known: dict[str, Material] | None = None
    materials: list[dict[str, Any]] = []
    seen: set[str] = set()
    for material_code, required in change.materials:
        if material_code in seen:
            problems.append(gettext("材料 %(code)s 重复") % {"code": material_code})
            continue
        seen.add(material_code)
        base = have.get(material_code)
        if base is None:
            known = known if known is not None else materials_known()
            base = known.get(material_code)
        if base is None:
            problems.append(gettext("没有名为“%(code)s”的材料，请从材料目录中选择") % {"code": material_code})
            continue
        materials.append({**base.model_dump(mode="json", exclude_none=True), "required": required})
    if problems:
        raise Invalid(problems[0], code="item_invalid", problems=problems)
    body = current.model_dump(mode="json", by_alias=True, exclude={"version"})
    body.update(
        promised_limit={"value": change.promised_days, "unit": current.promised_limit.unit},
        fee_yuan=str(change.fee_yuan),
        fee_note_zh=_text(change.fee_note_zh),
        fee_note_en=_text(change.fee_note_en),
        summary_zh=_text(change.summary_zh),
        summary_en=_text(change.summary_en),
        conditions_zh=_text(change.conditions_zh),
        conditions_en=_text(change.conditions_en),
        materials=materials,
    )
    try:
        return spec_validate({**body, "version": current.version}, name=code)
    except CatalogFileError as exc:
        raise Invalid(gettext("事项规格不合法"), code="item_invalid", problems=exc.problems) from None


def item_change_apply(*, code: str, change: ItemChange, actor: Viewer, at: dt.datetime, note: str = "") -> ItemSpec:
    """Save ``change`` as item ``code``'s new current version (audited as
    ``catalog.item_version_create``); nothing is written when nothing changed.

    Raises Invalid (see ``item_change_build``) and NotFound.
    """
    from tongban.catalog.services import item_version_create

    spec = item_change_build(code=code, change=change)
    body = spec.model_dump(mode="json", by_alias=True, exclude={"version"})
    return item_version_create(code=code, data=body, actor=actor, at=at, note=note)


def _changed(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """The edited fields that differ between two versions' specs (materials by code)."""
    if before is None:
        return []
    out = []
    for name in ("name_zh", "legal_limit", *EDITED):
        old, new = before.get(name), after.get(name)
        if name == "fee_yuan" and old is not None and new is not None:
            old, new = Decimal(str(old)), Decimal(str(new))
        if old != new:
            out.append(name)
    return out


def item_history(*, code: str) -> list[dict[str, Any]]:
    """Every version of item ``code``, newest first: number, origin, when, who, note, what
    changed against the version before it, and the values a person compares (time limit, fee,
    materials)."""
    rows = list(
        ItemVersion.objects.filter(item__code=code)
        .select_related("created_by")
        .order_by("version")
        .only("version", "origin", "created_at", "created_by__username", "note", "spec")
    )
    out: list[dict[str, Any]] = []
    before: dict[str, Any] | None = None
    for row in rows:
        spec = row.spec
        out.append(
            {
                "version": row.version,
                "origin": row.get_origin_display(),
                "created_at": row.created_at,
                "created_by": row.created_by.username if row.created_by else "",
                "note": row.note,
                "changed": [str(FIELD_LABELS[name]) for name in _changed(before, spec)],
                "promised": spec.get("promised_limit", {}),
                "fee_yuan": spec.get("fee_yuan"),
                "materials": [
                    {"name_zh": m["name_zh"], "name_en": m["name_en"], "required": m.get("required", True)}
                    for m in spec.get("materials", [])
                ],
            }
        )
        before = spec
    return out[::-1]
