"""Dog forms: a violation against a licence, a report of a problem dog, closing a report."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.dogs.models import ViolationKind


class ViolationForm(forms.Form):
    licence = forms.CharField(label=_("犬证编号或芯片号"), max_length=40)
    kind = forms.ChoiceField(label=_("违规类型"), choices=ViolationKind.choices)
    place = forms.CharField(label=_("地点"), max_length=100)
    note = forms.CharField(
        label=_("补充说明"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReportForm(forms.Form):
    place = forms.CharField(label=_("地点"), max_length=100, help_text=_("例如：小区名称、道路和门牌号"))
    description = forms.CharField(
        label=_("情况描述"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("例如：未束犬链、犬只伤人、疑似禁养犬只"),
    )
    contact = forms.CharField(
        label=_("联系电话（选填）"), max_length=20, required=False, help_text=_("可匿名举报；留下电话便于民警回访")
    )


class CloseForm(forms.Form):
    note = forms.CharField(label=_("处理结果"), max_length=300)
