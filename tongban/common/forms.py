"""Form fields shared by every module."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.common.ids import InvalidIdNumber, parse_id_number


class IdNumberField(forms.CharField):
    """An ID number field: normalises (spaces, lower-case x) and explains what is wrong."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault("label", _("公民身份号码"))
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def clean(self, value: object) -> str:
        raw = super().clean(value)
        if not raw:
            return ""
        try:
            return parse_id_number(str(raw)).number
        except InvalidIdNumber as exc:
            raise forms.ValidationError(f"{exc.message_zh}（{exc.message_en}）", code=exc.code) from None


class PersonLookupForm(forms.Form):
    """A clerk's lookup of a person by ID number."""

    id_number = IdNumberField()
