"""Login, registration and TOTP forms; ID numbers are validated with a clear message per failure."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.common.forms import IdNumberField
from tongban.common.ids import normalise


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("身份证号码或工作账号"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def clean_username(self) -> str:
        value = str(self.cleaned_data["username"]).strip()
        # ID numbers are case-insensitive in their check character; staff usernames are not.
        return normalise(value) if len(normalise(value)) == 18 and value[:17].isdigit() else value


class RegisterForm(forms.Form):
    id_number = IdNumberField()
    real_name = forms.CharField(label=_("姓名"), max_length=40)
    phone = forms.RegexField(
        label=_("手机号码"), regex=r"^1[3-9]\d{9}$", error_messages={"invalid": _("请输入 11 位手机号码")}
    )
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class OtpForm(forms.Form):
    token = forms.RegexField(
        label=_("动态验证码"),
        regex=r"^\d{6}$",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        error_messages={"invalid": _("请输入 6 位数字验证码")},
    )
