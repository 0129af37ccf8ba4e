"""Login (with throttling), logout, real-name registration and the staff TOTP second factor."""

from __future__ import annotations

import base64
import io

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongban.accounts.forms import LoginForm, OtpForm, RegisterForm
from tongban.accounts.services import (
    citizen_register,
    login_throttle_check,
    login_throttle_fail,
    login_throttle_reset,
)
from tongban.audit.services import audit_record
from tongban.common.clock import now
from tongban.common.errors import DomainError


def client_ip(request: HttpRequest) -> str:
    """The peer address (a trusted proxy would set REMOTE_ADDR through the WSGI server)."""
    return str(request.META.get("REMOTE_ADDR", ""))


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username, ip = form.cleaned_data["username"], client_ip(request)
        try:
            login_throttle_check(username=username, ip=ip)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return render(request, "accounts/login.html", {"form": form}, status=429)
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            login_throttle_fail(username=username, ip=ip)
            form.add_error(None, _("账号或密码错误"))
            status = 400
        else:
            login_throttle_reset(username=username, ip=ip)
            login(request, user)
            audit_record(action="account.login", object_type="user", object_id=str(user.pk), at=now(), actor=user)
            nxt = request.GET.get("next", "")
            if nxt.startswith("/") and not nxt.startswith("//"):
                return redirect(nxt)
            return redirect("web:home")
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/login.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:home")


def register_view(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = citizen_register(now=now(), **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.extra.get("field"), exc.message)
        else:
            login(request, user, backend="tongban.accounts.backends.UserBackend")
            messages.success(request, _("注册成功，已完成实名认证"))
            return redirect("web:home")
    return render(request, "accounts/register.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def otp_view(request: HttpRequest) -> HttpResponse:
    """Ask a staff member for the current TOTP code."""
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is None:
            form.add_error("token", _("验证码不正确或已过期"))
        else:
            otp_login(request, device)
            return redirect("web:home")
    return render(request, "accounts/otp.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def otp_setup_view(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device: show the QR once, confirm with a first code."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
            return redirect("accounts:otp")
        device = TOTPDevice.objects.create(user=request.user, name="default", confirmed=False)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_record(
                action="account.totp_enrol",
                object_type="user",
                object_id=str(request.user.pk),
                at=now(),
                actor=request.user,
            )
            return redirect("web:home")
        form.add_error("token", _("验证码不正确或已过期"))
    buf = io.BytesIO()
    segno.make(device.config_url, error="m").save(buf, kind="svg", scale=4)
    qr = "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        {"form": form, "qr": qr, "secret": base64.b32encode(device.bin_key).decode()},
    )
