"""Page forms: paste a token to verify; revoke with a reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.certificates.models import REASON_CHOICES


class VerifyForm(forms.Form):
    t = forms.CharField(
        label=_("核验码或二维码链接"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("扫描证照上的二维码会直接打开本页；也可以粘贴以 TB1. 开头的核验码。"),
    )


class RevokeForm(forms.Form):
    reason = forms.ChoiceField(label=_("撤销原因"), choices=REASON_CHOICES)
    note = forms.CharField(label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
