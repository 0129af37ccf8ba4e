"""Login (throttled, audited), logout, and the staff TOTP second factor."""

from __future__ import annotations

import base64
import io

import segno
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongban.accounts.forms import LoginForm, OtpForm
from tongban.accounts.services import login_attempt, logout_record, second_factor_record, user_language_set
from tongban.audit.services import audit_record
from tongban.common.clock import now
from tongban.common.errors import DomainError
from tongban.common.request import client_ip, viewer

__all__ = ["client_ip", "login_view", "logout_view", "otp_setup_view", "otp_view", "safe_next"]


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    """The ``next`` target when it stays on this site, else ``fallback``."""
    nxt = request.GET.get("next", "")
    ok = url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return nxt if nxt.startswith("/") and ok else fallback


def sign_in(request: HttpRequest, user: object) -> None:
    """Start a session for ``user``: a new session id (Django's ``login`` cycles it; the G4
    timestamps are set on its ``user_logged_in`` signal), and the language they read messages in."""
    login(request, user, backend="tongban.accounts.backends.UserBackend")  # type: ignore[arg-type]
    user_language_set(user=user, language=get_language() or "zh-hans")


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = login_attempt(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
                at=now(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            sign_in(request, user)
            return redirect(safe_next(request, "/"))
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/login.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out: the session is deleted on the server, not only forgotten by the browser."""
    user = request.user
    if user.is_authenticated:
        logout_record(user=user, at=now())
    logout(request)
    return redirect("web:home")


@login_required
def otp_view(request: HttpRequest) -> HttpResponse:
    """Ask a staff member for the current TOTP code."""
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        second_factor_record(user=request.user, ok=device is not None, at=now())
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
                actor=viewer(request),
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
