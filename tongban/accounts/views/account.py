"""My account (我的账户): security settings, API tokens, signing out everywhere."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from tongban.accounts.forms import TokenCreateForm
from tongban.accounts.selectors import api_tokens_mine, has_confirmed_device
from tongban.accounts.services import api_token_create, api_token_revoke, sessions_end_all
from tongban.common.clock import now
from tongban.common.errors import DomainError
from tongban.common.request import viewer


@login_required
def account_view(request: HttpRequest) -> HttpResponse:
    """Account overview: who I am (masked), second factor for staff, links to tokens."""
    user = request.user
    context = {
        "has_device": has_confirmed_device(user) if getattr(user, "is_staff_role", False) else None,  # type: ignore[arg-type]
    }
    return render(request, "accounts/account.html", context)


@never_cache
@login_required
def tokens_view(request: HttpRequest) -> HttpResponse:
    """List my tokens and issue a new one (its value is shown on this answer only)."""
    at = now()
    form = TokenCreateForm(request.POST or None)
    raw, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                _token, raw = api_token_create(
                    user=request.user,  # type: ignore[arg-type]  # login_required: a User
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                    at=at,
                )
            except DomainError as exc:
                form.add_error(exc.extra.get("field") if exc.extra.get("field") in form.fields else None, exc.message)
                status = exc.status
            else:
                status, form = 201, TokenCreateForm()
    tokens = api_tokens_mine(user=request.user)
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": tokens, "raw": raw, "now": at}, status=status
    )


@login_required
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first (GET), then revoke (POST)."""
    token = next((t for t in api_tokens_mine(user=request.user) if t.pk == pk), None)
    if token is None:
        return render(request, "accounts/token_revoke.html", {"error": _("没有这个令牌。")}, status=404)
    if request.method == "POST":
        api_token_revoke(user=request.user, token_id=pk, at=now())
        messages.success(request, _("令牌“%(name)s”已撤销，使用它的程序将无法再访问。") % {"name": token.name})
        return redirect("accounts:tokens")
    return render(request, "accounts/token_revoke.html", {"token": token})


@login_required
def sessions_end_view(request: HttpRequest) -> HttpResponse:
    """Sign out on every device: ask first (GET), then end every session of mine (POST)."""
    if request.method == "POST":
        sessions_end_all(user=request.user, at=now(), actor=viewer(request), reason="user")
        logout(request)
        messages.success(request, _("已在所有设备上退出登录。"))
        return redirect("accounts:login")
    return render(request, "accounts/sessions_end.html")
