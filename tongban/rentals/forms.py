"""微安居 forms: declaring a property, reviewing it, a tenant's move-in and move-out, hazards."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from tongban.rentals.models import HazardKind, PropertyUse

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DeclareForm(forms.Form):
    address_id = forms.IntegerField(label=_("房屋地址"), min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    rooms = forms.IntegerField(label=_("出租间数"), min_value=1, max_value=200, initial=1)
    capacity = forms.IntegerField(label=_("可住人数"), min_value=1, max_value=1200, initial=2)
    use = forms.ChoiceField(label=_("出租用途"), choices=PropertyUse.choices, initial=PropertyUse.RESIDENTIAL)
    certificate_no = forms.CharField(
        label=_("不动产权证书编号"),
        max_length=40,
        required=False,
        help_text=_("出租您户籍登记地址的房屋时无需填写，系统从户籍信息核验。"),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("审核通过")), ("refuse", _("不予通过"))])
    note = forms.CharField(label=_("审核意见"), max_length=200, required=False)


class HazardForm(forms.Form):
    kind = forms.ChoiceField(label=_("隐患类型"), choices=HazardKind.choices)
    note = forms.CharField(label=_("隐患描述"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    working_days = forms.IntegerField(label=_("整改期限（工作日）"), min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from tongban.rentals.limits import rental_limits

        super().__init__(*args, **kwargs)
        limits = rental_limits()
        field = self.fields["working_days"]
        field.initial = limits.hazard_default_days
        field.validators.append(MaxValueValidator(limits.hazard_max_days))
        field.widget.attrs["max"] = limits.hazard_max_days

    photo = forms.FileField(label=_("现场照片（可选）"), required=False)


class MoveInForm(forms.Form):
    moved_in_on = forms.DateField(label=_("入住日期"), widget=DATE)


class MoveOutForm(forms.Form):
    moved_out_on = forms.DateField(label=_("搬离日期"), widget=DATE)


class RectifyForm(forms.Form):
    note = forms.CharField(label=_("整改情况"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.FileField(label=_("整改照片（可选）"), required=False)


class NoticeForm(forms.Form):
    area_code = forms.ChoiceField(label=_("通知范围"), widget=forms.Select(attrs={"lang": "zh-Hans"}))
    title = forms.CharField(label=_("标题"), max_length=60)
    body = forms.CharField(label=_("正文"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: object, areas: list[dict[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["area_code"].choices = [(a["code"], a["label"]) for a in areas]  # type: ignore[attr-defined]


class QuestionForm(forms.Form):
    station_id = forms.TypedChoiceField(
        label=_("咨询派出所"), coerce=int, widget=forms.Select(attrs={"lang": "zh-Hans"})
    )
    text = forms.CharField(label=_("您的问题"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, stations: list[dict[str, object]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["station_id"].choices = [(s["id"], s["name"]) for s in stations]  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
