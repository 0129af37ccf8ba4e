"""The audit log pages' forms: the list's filters and the 查阅记录 look-up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongban.audit.labels import action_groups
from tongban.common.forms import IdNumberField
from tongban.common.roles import Role


class FilterForm(forms.Form):
    """What the auditor narrows the log to; every field may stay empty."""

    since = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    action = forms.ChoiceField(label=pgettext_lazy("audit entry", "操作"), required=False)
    actor = forms.CharField(
        label=_("操作人"),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"placeholder": _("用户名或姓名")}),
    )
    object = forms.CharField(
        label=_("对象编号"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": _("办件编号、证照编号等")}),
    )
    role = forms.ChoiceField(label=_("角色"), required=False)
    outlet = forms.CharField(
        label=_("网点"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("网点名称或编码")}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["action"].choices = everything + list(action_groups())  # type: ignore[attr-defined]
        roles = [(str(v), label) for v, label in Role.choices] + [("system", pgettext_lazy("audit role", "系统"))]
        self.fields["role"].choices = everything + roles  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("开始日期晚于结束日期，请调换两个日期。"), code="range")
        return data


class LookupForm(forms.Form):
    """查阅记录: the ID number of the person who asks who read their records."""

    id_number = IdNumberField(widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))
