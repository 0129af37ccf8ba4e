"""Password pages: 修改密码 for every signed-in user, and 忘记密码 for citizens (an SMS code to the
registry's phone in two steps, or a reset code from a service window). Staff who forgot theirs
ask their administrator (the reset page says so)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from tongban.accounts.forms import PasswordChangeForm, ResetFinishForm, WindowResetForm
from tongban.accounts.services import (
    password_change,
    password_reset_finish,
    password_reset_start,
    window_reset_redeem,
)
from tongban.accounts.views.register import _field_error, start_step
from tongban.common.clock import now
from tongban.common.errors import DomainError
from tongban.common.request import client_ip
from tongban.notifications.selectors import sms_outbox_path

SESSION_TOKEN = "password_reset_token"  # noqa: S105  (a session key name, not a secret)


@never_cache
@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    """Current password, new password twice; every other session ends, this one stays."""
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            user = request.user
            try:
                revoked = password_change(
                    user=user,  # type: ignore[arg-type]  # login_required: a User
                    current=form.cleaned_data["current_password"],
                    password=form.cleaned_data["password"],
                    ip=client_ip(request),
                    at=now(),
                    revoke_tokens=form.cleaned_data["revoke_tokens"],
                )
            except DomainError as exc:
                _field_error(form, exc)
                status = exc.status
            else:
                update_session_auth_hash(request, user)  # type: ignore[arg-type]
                done = _("密码已修改。您在其他电脑和手机上的登录已全部退出，需用新密码重新登录。")
                if revoked:
                    done += " " + _("已撤销 %(n)s 个 API 令牌。") % {"n": revoked}
                messages.success(request, done)
                return redirect("accounts:account")
    must = bool(getattr(request.user, "must_change_password", False))
    return render(request, "accounts/password_change.html", {"form": form, "must": must}, status=status)


@never_cache
def password_reset_view(request: HttpRequest) -> HttpResponse:
    """忘记密码, step 1: ID number and name. Whatever matched, the answer is the step-2 page."""
    if request.user.is_authenticated:
        return redirect("accounts:password_change")
    return start_step(
        request,
        start=password_reset_start,
        session_key=SESSION_TOKEN,
        next_url="accounts:password_reset_code",
        template="accounts/password_reset.html",
    )


@never_cache
def password_reset_code_view(request: HttpRequest) -> HttpResponse:
    """忘记密码, step 2: the SMS code and a new password; then sign in with it."""
    token = request.session.get(SESSION_TOKEN)
    if not token:
        return redirect("accounts:password_reset")
    form = ResetFinishForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                password_reset_finish(
                    token=token,
                    code=form.cleaned_data["code"],
                    password=form.cleaned_data["password"],
                    ip=client_ip(request),
                    at=now(),
                )
            except DomainError as exc:
                _field_error(form, exc)
                status = exc.status
            else:
                del request.session[SESSION_TOKEN]
                return _done(request)
    context = {
        "form": form,
        "code_minutes": settings.REGISTRATION_CODE_SECONDS // 60,
        "sms_outbox": sms_outbox_path(),
    }
    return render(request, "accounts/password_reset_code.html", context, status=status)


@never_cache
def password_reset_window_view(request: HttpRequest) -> HttpResponse:
    """忘记密码 with the reset code a service window handed over (after checking the ID card)."""
    if request.user.is_authenticated:
        return redirect("accounts:password_change")
    form = WindowResetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                window_reset_redeem(
                    id_number=form.cleaned_data["id_number"],
                    code=form.cleaned_data["code"],
                    password=form.cleaned_data["password"],
                    ip=client_ip(request),
                    at=now(),
                )
            except DomainError as exc:
                _field_error(form, exc)
                status = exc.status
            else:
                return _done(request)
    return render(request, "accounts/password_reset_window.html", {"form": form}, status=status)


def _done(request: HttpRequest) -> HttpResponse:
    messages.success(
        request,
        _("密码已重置，请用新密码登录。原来的登录已全部退出，API 令牌已全部撤销；已向您的手机发送短信提醒。"),
    )
    return redirect("accounts:login")
