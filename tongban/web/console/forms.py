"""The staff console's forms: they read and check what a person typed and hand it to services."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.catalog.changes import ItemChange
from tongban.catalog.schemas import ItemSpec

_TEXT = {"rows": 3}
_ZH_TEXT = {"rows": 3, "lang": "zh-Hans"}  # Chinese whatever the page's language
DAYS = (
    ("mon", _("星期一")),
    ("tue", _("星期二")),
    ("wed", _("星期三")),
    ("thu", _("星期四")),
    ("fri", _("星期五")),
    ("sat", _("星期六")),
    ("sun", _("星期日")),
    ("holiday", _("法定节假日")),
)
_INTERVALS = re.compile(r"^\s*$|^\d{1,2}:\d{2}-\d{1,2}:\d{2}(\s*,\s*\d{1,2}:\d{2}-\d{1,2}:\d{2})*$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class ItemEditForm(forms.Form):
    """The editable part of an item. Materials come as parallel lists (``m_code``,
    ``m_required`` codes ticked) plus ``add_code`` for a material taken from the vocabulary."""

    promised_days = forms.IntegerField(
        label=_("承诺时限（工作日）"),
        error_messages={"invalid": _("请输入整数天数")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    fee_yuan = forms.DecimalField(label=_("收费标准（元）"), max_digits=8, decimal_places=2)
    fee_note_zh = forms.CharField(
        label=_("收费说明（中文）"), required=False, max_length=2000, widget=forms.TextInput({"lang": "zh-Hans"})
    )
    fee_note_en = forms.CharField(label=_("收费说明（英文）"), required=False, max_length=2000)
    summary_zh = forms.CharField(label=_("事项简介（中文）"), required=False, widget=forms.Textarea(_ZH_TEXT))
    summary_en = forms.CharField(label=_("事项简介（英文）"), required=False, widget=forms.Textarea(_TEXT))
    conditions_zh = forms.CharField(label=_("办理条件（中文）"), required=False, widget=forms.Textarea(_ZH_TEXT))
    conditions_en = forms.CharField(label=_("办理条件（英文）"), required=False, widget=forms.Textarea(_TEXT))
    add_code = forms.CharField(label=_("添加材料"), required=False, max_length=48)
    add_required = forms.BooleanField(label=_("必需"), required=False, initial=True)
    note = forms.CharField(label=_("修订说明"), required=False, max_length=200)

    def __init__(self, *args: Any, spec: ItemSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        if not self.is_bound:
            for name in ("fee_note_zh", "fee_note_en", "summary_zh", "summary_en", "conditions_zh", "conditions_en"):
                self.fields[name].initial = getattr(spec, name) or ""
            self.fields["promised_days"].initial = spec.promised_limit.value
            self.fields["fee_yuan"].initial = f"{spec.fee_yuan:.2f}".rstrip("0").rstrip(".")
        if spec.promised_limit.unit == "working_hours":
            self.fields["promised_days"].label = _("承诺时限（工作小时）")

    def material_rows(self) -> list[tuple[str, bool]]:
        """(code, required) of the materials kept, in the order sent (or the spec's, unbound)."""
        if not self.is_bound:
            return [(m.code, m.required) for m in self.spec.materials]
        data: Any = self.data  # a QueryDict: the lists come with getlist
        codes = [c for c in data.getlist("m_code") if c]
        required = set(data.getlist("m_required"))
        removed = set(data.getlist("m_remove"))
        rows = [(c, c in required) for c in codes if c not in removed]
        return rows

    def change(self) -> ItemChange:
        """The validated form as an ItemChange (call after ``is_valid``)."""
        d = self.cleaned_data
        rows = self.material_rows()
        if d.get("add_code"):
            rows.append((d["add_code"].strip(), bool(d.get("add_required"))))
        return ItemChange(
            promised_days=d["promised_days"],
            fee_yuan=Decimal(d["fee_yuan"]),
            fee_note_zh=d["fee_note_zh"],
            fee_note_en=d["fee_note_en"],
            summary_zh=d["summary_zh"],
            summary_en=d["summary_en"],
            conditions_zh=d["conditions_zh"],
            conditions_en=d["conditions_en"],
            materials=rows,
        )


class HoursForm(forms.Form):
    """An outlet's weekly hours, holiday hours and dated closures or special hours."""

    closures = forms.CharField(
        label=_("闭馆与特殊安排"),
        required=False,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("每行一个日期，如 2027-02-10 表示当天闭馆，2027-02-11 09:00-12:00 表示当天只办上午"),
    )
    note = forms.CharField(label=_("修订说明"), required=False, max_length=200)

    def __init__(self, *args: Any, hours: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in DAYS:
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                max_length=120,
                initial=hours.get(key, ""),
                help_text=_("如 09:00-12:00,13:30-17:30；留空为不办公"),
            )
        order = [key for key, _label in DAYS] + ["closures", "note"]
        self.order_fields(order)
        if not self.is_bound:
            lines = [f"{day} {value}".strip() for day, value in sorted((hours.get("exceptions") or {}).items())]
            self.fields["closures"].initial = "\n".join(lines)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key, _label in DAYS:
            if not _INTERVALS.match(data.get(key) or ""):
                self.add_error(key, _("格式应为 09:00-12:00,13:30-17:30"))
        exceptions: dict[str, str] = {}
        for line in (data.get("closures") or "").splitlines():
            if not line.strip():
                continue
            day, _sep, value = line.strip().partition(" ")
            if not re.match(r"^\d{4}-\d{2}-\d{2}$", day) or not _INTERVALS.match(value):
                self.add_error("closures", _("无法识别这一行：%(line)s") % {"line": line.strip()})
                continue
            exceptions[day] = value.strip()
        data["exceptions"] = exceptions
        return data

    def hours(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {key: (d.get(key) or "").replace(" ", "") for key, _label in DAYS}
        if d["exceptions"]:
            out["exceptions"] = d["exceptions"]
        return out


class CalendarUploadForm(forms.Form):
    """A year plus the State Council schedule file (exceptions only)."""

    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    schedule = forms.FileField(label=_("安排文件"), help_text=_("每行一条：日期 holiday 或 workday 名称"))


class StandardForm(forms.Form):
    """A photo standard's everyday values as fields (not the raw record)."""

    background_1 = forms.CharField(label=_("首选背景色"), max_length=7)
    background_2 = forms.CharField(label=_("备选背景色"), max_length=7, required=False)
    background_3 = forms.CharField(label=_("备选背景色（二）"), max_length=7, required=False)
    width_px = forms.IntegerField(label=_("宽度（像素）"), min_value=1, max_value=4000)
    height_px = forms.IntegerField(label=_("高度（像素）"), min_value=1, max_value=4000)
    dpi = forms.IntegerField(label=_("分辨率（dpi）"), min_value=72, max_value=1200)
    kb_min = forms.FloatField(label=_("文件大小下限（KB）"), min_value=0)
    kb_max = forms.FloatField(label=_("文件大小上限（KB）"), min_value=0)
    background_tolerance = forms.FloatField(label=_("背景色容差（ΔE）"), min_value=0, max_value=100)
    validity_days = forms.IntegerField(label=_("复用有效期（天）"), min_value=1, max_value=36600)
    active = forms.BooleanField(label=_("启用"), required=False)
    note = forms.CharField(label=_("修订说明"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        colours = []
        for key in ("background_1", "background_2", "background_3"):
            value = (data.get(key) or "").strip()
            if not value:
                continue
            if not _COLOUR.match(value):
                self.add_error(key, _("颜色应写作 #RRGGBB，如 #FFFFFF"))
            colours.append(value.upper())
        data["backgrounds"] = ",".join(colours)
        if data.get("kb_min") is not None and data.get("kb_max") is not None and data["kb_min"] > data["kb_max"]:
            self.add_error("kb_max", _("上限不能小于下限"))
        return data

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        keys = ("width_px", "height_px", "dpi", "kb_min", "kb_max", "background_tolerance", "validity_days", "active")
        return {"backgrounds": d["backgrounds"], **{k: d[k] for k in keys}}

    @staticmethod
    def initial_for(row: Any) -> dict[str, Any]:
        colours = [c.strip().upper() for c in row.backgrounds.split(",") if c.strip()] + ["", "", ""]
        keys = ("width_px", "height_px", "dpi", "kb_min", "kb_max", "background_tolerance", "validity_days", "active")
        return {
            "background_1": colours[0],
            "background_2": colours[1],
            "background_3": colours[2],
            **{k: getattr(row, k) for k in keys},
        }
