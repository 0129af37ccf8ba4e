"""Form fields shared by every module."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.common.ids import InvalidIdNumber, InvalidPhone, parse_id_number, parse_mobile


class IdNumberField(forms.CharField):
    """An ID number field: NFKC-normalises (full-width digits, spaces, lower-case x), accepts
    ASCII digits only and explains what is wrong in the reader's language."""

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
            # The msgids are ids.py's Chinese messages (common/locale has their English).
            raise forms.ValidationError(gettext(exc.message_zh), code=exc.code) from None


class MobileField(forms.CharField):
    """A mainland mobile number: NFKC-normalised, then 11 ASCII digits (13–19 prefix)."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("手机号码"))
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.widget.attrs.setdefault("inputmode", "tel")
        self.widget.attrs.setdefault("autocomplete", "tel")

    def clean(self, value: object) -> str:
        raw = super().clean(value)
        if not raw:
            return ""
        try:
            return parse_mobile(str(raw))
        except InvalidPhone as exc:
            raise forms.ValidationError(gettext(exc.message_zh), code="phone") from None


class PersonLookupForm(forms.Form):
    """A clerk's lookup of a person by ID number."""

    id_number = IdNumberField()
