"""Rating and follow-up forms: the level, the indicators of the channel's set (from the scheme),
a comment; the follow-up steps and the appeal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tongban.common.forms import IdNumberField
from tongban.feedback.scheme import Scheme


def _english() -> bool:
    return (get_language() or "").startswith("en")


class RatingForm(forms.Form):
    """The five levels (non-blank), one optional choice per indicator of the channel, a comment."""

    level = forms.TypedChoiceField(label=_("总体评价"), coerce=int, widget=forms.RadioSelect, choices=())
    comment = forms.CharField(
        label=_("意见或建议（选填）"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, scheme: Scheme, channel: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        english = _english()
        choices = [(lv.value, lv.name_en if english else lv.name_zh) for lv in scheme.levels]
        self.fields["level"].choices = choices  # type: ignore[attr-defined]
        self.indicator_names = []
        for ind in scheme.indicators(channel):
            if ind.code == "overall":
                continue
            name = f"ind_{ind.code}"
            self.fields[name] = forms.TypedChoiceField(
                label=ind.name_en if english else ind.name_zh,
                coerce=int,
                required=False,
                empty_value=None,
                choices=[("", _("不评")), *choices],
            )
            self.indicator_names.append(name)

    def scores(self) -> dict[str, int]:
        return {n[4:]: v for n in self.indicator_names if (v := self.cleaned_data.get(n)) is not None}


class KioskForm(forms.Form):
    """At a kiosk: the ID card (its number, as the reader gives it) and the case number."""

    id_number = IdNumberField(label=_("公民身份号码"))
    case_number = forms.CharField(label=_("办件编号"), max_length=32)


class HandoverForm(forms.Form):
    case_number = forms.CharField(label=_("办件编号"), max_length=32)


class StepForm(forms.Form):
    step = forms.ChoiceField(
        choices=[("contact", "contact"), ("verify", "verify"), ("rectify", "rectify"), ("answer", "answer")]
    )
    note = forms.CharField(label=_("情况说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    founded = forms.TypedChoiceField(
        label=_("核实结论"),
        required=False,
        coerce=lambda v: v == "yes",
        empty_value=None,
        choices=[("", "—"), ("yes", _("情况属实")), ("no", _("情况不属实"))],
    )


class AppealForm(forms.Form):
    reason = forms.CharField(label=_("申诉理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("uphold", _("申诉成立，差评作废")), ("dismiss", _("申诉不成立，差评有效"))])
    note = forms.CharField(label=_("复核意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerRateForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("对整改反馈的评价"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[(5, _("非常满意")), (4, _("满意")), (3, _("基本满意")), (2, _("不满意")), (1, _("非常不满意"))],
    )
