"""Login, registration (SMS code or window activation code), passwords, TOTP and token forms.

Numbers are NFKC-normalised and must then be ASCII digits (tongban.common.forms)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _

from tongban.common.forms import IdNumberField, MobileField
from tongban.common.ids import looks_like_id_number, normalise


def _digits(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value or "").split())


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
        return normalise(value) if looks_like_id_number(value) else value


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    """The admin's login form, throttled and audited exactly like the site's (same counter)."""

    def clean(self) -> dict[str, Any]:
        from tongban.accounts.services import login_attempt
        from tongban.common.clock import now
        from tongban.common.errors import DomainError
        from tongban.common.request import client_ip

        username = str(self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password")
        if username and password:
            if looks_like_id_number(username):
                username = normalise(username)
            try:
                self.user_cache = login_attempt(
                    request=self.request,
                    username=username,
                    password=password,
                    ip=client_ip(self.request) if self.request is not None else "",
                    at=now(),
                    via="admin",
                )
            except DomainError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class _NewPassword(forms.Form):
    password = forms.CharField(
        label=_("设置密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位；不能是常用密码，不能包含身份证号码、手机号码或姓名。"),
    )
    password2 = forms.CharField(
        label=_("再次输入密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致，请重新输入。"))
        return data


class _PasswordPair(_NewPassword):
    phone = MobileField(
        label=_("联系手机号码（选填）"),
        required=False,
        help_text=_("不填则使用公安机关登记的手机号码。办事提醒会发到这个号码。"),
    )


class RegisterStartForm(forms.Form):
    """Step 1: who are you (the answer never says whether they matched)."""

    id_number = IdNumberField(widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}))
    real_name = forms.CharField(label=_("姓名"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "name"}))


class RegisterFinishForm(_PasswordPair):
    """Step 2: the code from the SMS, and a password."""

    code = forms.CharField(
        label=_("短信验证码"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
    field_order = ["code", "password", "password2", "phone"]

    def clean_code(self) -> str:
        code = _digits(self.cleaned_data["code"])
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError(_("请输入短信中的 6 位数字验证码。"))
        return code


class ActivateForm(_PasswordPair):
    """Open an account with the activation code a service window handed over."""

    id_number = IdNumberField(widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}))
    code = forms.CharField(label=_("窗口激活码"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    field_order = ["id_number", "code", "password", "password2", "phone"]


class PasswordChangeForm(_NewPassword):
    """修改密码: the current password, the new one twice, and whether to revoke API tokens."""

    current_password = forms.CharField(
        label=_("当前密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    revoke_tokens = forms.BooleanField(
        label=_("同时撤销我的全部 API 令牌"),
        required=False,
        help_text=_("怀疑密码已泄露时请勾选：别人可能已用旧密码登录并创建了令牌。"),
    )
    field_order = ["current_password", "password", "password2", "revoke_tokens"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("新密码")
        self.fields["password2"].label = _("再次输入新密码")


class ResetFinishForm(_NewPassword):
    """忘记密码, step 2: the code from the SMS and a new password."""

    code = RegisterFinishForm.base_fields["code"]
    field_order = ["code", "password", "password2"]
    clean_code = RegisterFinishForm.clean_code

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("新密码")
        self.fields["password2"].label = _("再次输入新密码")


class WindowResetForm(ResetFinishForm):
    """忘记密码 with the reset code a service window handed over."""

    id_number = IdNumberField(widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}))
    code = forms.CharField(label=_("窗口重置码"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    field_order = ["id_number", "code", "password", "password2"]

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"])


class WindowRegisterForm(forms.Form):
    """A clerk opens registration for the person in front of them."""

    id_number = IdNumberField(label=_("申请人公民身份号码"))
    identity_checked = forms.BooleanField(
        label=_("我已查验申请人的居民身份证原件，人证一致"),
        error_messages={"required": _("请先查验身份证原件并勾选确认。")},
    )


class OtpForm(forms.Form):
    token = forms.RegexField(
        label=_("动态验证码"),
        regex=r"^[0-9]{6}$",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        error_messages={"invalid": _("请输入 6 位数字验证码")},
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=60, help_text=_("写明用在哪里，例如“单位办件系统”。"))
    days = forms.IntegerField(
        label=_("有效天数"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DAYS,
    )
