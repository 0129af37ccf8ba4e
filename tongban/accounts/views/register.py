"""Real-name registration pages: online in two steps (SMS code to the registry's phone), with a
window activation code, and the clerk's page that issues that code."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from tongban.accounts.forms import ActivateForm, RegisterFinishForm, RegisterStartForm, WindowRegisterForm
from tongban.accounts.services import registration_finish, registration_start, window_code_issue, window_code_redeem
from tongban.accounts.views.auth import sign_in
from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError
from tongban.common.request import client_ip
from tongban.common.roles import Role
from tongban.notifications.selectors import sms_outbox_path

SESSION_TOKEN = "registration_token"  # noqa: S105  (a session key name, not a secret)


def _field_error(form: object, exc: DomainError) -> None:
    field = exc.extra.get("field")
    form.add_error(field if field in form.fields else None, exc.message)  # type: ignore[attr-defined]


def _not_before(deadline: float) -> None:
    """Answer no sooner than ``deadline`` (perf_counter seconds): a sent code and a miss then
    take the same time as far as the client can tell."""
    wait = deadline - time.perf_counter()
    if wait > 0:
        time.sleep(wait)


def start_step(
    request: HttpRequest, *, start: Callable[..., str], session_key: str, next_url: str, template: str
) -> HttpResponse:
    """Step 1 of an SMS-code flow (registration, 忘记密码): ID number and name. Whatever matched,
    the answer is the step-2 page (``next_url``), no sooner than REGISTER_MIN_MILLISECONDS; the
    attempt's token waits in the session under ``session_key``."""
    form = RegisterStartForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            started = time.perf_counter()
            try:
                token = start(
                    id_number=form.cleaned_data["id_number"],
                    real_name=form.cleaned_data["real_name"],
                    ip=client_ip(request),
                    at=now(),
                    language=get_language() or "zh-hans",
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                request.session[session_key] = token
                _not_before(started + settings.REGISTER_MIN_MILLISECONDS / 1000)
                return redirect(next_url)
    return render(request, template, {"form": form}, status=status)


@never_cache
def register_view(request: HttpRequest) -> HttpResponse:
    """Step 1: ID number and name. Whatever matched, the answer is the step-2 page."""
    if request.user.is_authenticated:
        return redirect("web:home")
    return start_step(
        request,
        start=registration_start,
        session_key=SESSION_TOKEN,
        next_url="accounts:register_code",
        template="accounts/register.html",
    )


@never_cache
def register_code_view(request: HttpRequest) -> HttpResponse:
    """Step 2: the SMS code and a password open the account."""
    token = request.session.get(SESSION_TOKEN)
    if not token:
        return redirect("accounts:register")
    form = RegisterFinishForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = registration_finish(
                    token=token,
                    code=form.cleaned_data["code"],
                    password=form.cleaned_data["password"],
                    phone=form.cleaned_data["phone"],
                    ip=client_ip(request),
                    at=now(),
                    language=get_language() or "zh-hans",
                )
            except DomainError as exc:
                _field_error(form, exc)
                status = exc.status
            else:
                del request.session[SESSION_TOKEN]
                sign_in(request, user)
                messages.success(request, _("注册成功，已完成实名认证。"))
                return redirect("web:home")
    context = {
        "form": form,
        "code_minutes": settings.REGISTRATION_CODE_SECONDS // 60,
        "sms_outbox": sms_outbox_path(),
    }
    return render(request, "accounts/register_code.html", context, status=status)


@never_cache
def activate_view(request: HttpRequest) -> HttpResponse:
    """Open an account with the activation code a service window handed over."""
    if request.user.is_authenticated:
        return redirect("web:home")
    form = ActivateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = window_code_redeem(
                    id_number=form.cleaned_data["id_number"],
                    code=form.cleaned_data["code"],
                    password=form.cleaned_data["password"],
                    phone=form.cleaned_data["phone"],
                    ip=client_ip(request),
                    at=now(),
                    language=get_language() or "zh-hans",
                )
            except DomainError as exc:
                _field_error(form, exc)
                status = exc.status
            else:
                sign_in(request, user)
                messages.success(request, _("账号已开通，已完成实名认证。"))
                return redirect("web:home")
    return render(request, "accounts/activate.html", {"form": form}, status=status)


@never_cache
@login_required
@role_required(Role.CLERK)
def window_register_view(request: HttpRequest) -> HttpResponse:
    """A clerk checks the ID card of the person at the window and issues an activation code.

    A POST from the workbench carries only the ID number and shows the form filled in; the
    "issue" button asks for the confirmation that the card was checked."""
    issuing = request.method == "POST" and "issue" in request.POST
    form = WindowRegisterForm(
        request.POST if issuing else None, initial={"id_number": request.POST.get("id_number", "")}
    )
    status, issued = 200, None
    if issuing:
        status = 400
        if form.is_valid():
            try:
                issued = window_code_issue(clerk=request.user, id_number=form.cleaned_data["id_number"], at=now())
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                status = 200
    context = {
        "form": form,
        "issued": issued,
        "activate_url": request.build_absolute_uri(reverse("accounts:activate")),
        "reset_url": request.build_absolute_uri(reverse("accounts:password_reset_window")),
    }
    return render(request, "accounts/window_register.html", context, status=status)
