"""The inbox (站内信): a signed-in person's messages, newest first; mark one or all read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tongban.common.clock import now
from tongban.common.errors import DomainError
from tongban.notifications.selectors import inbox_page
from tongban.notifications.services import message_mark_read, messages_mark_all_read


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """My messages, twenty a page."""
    page, rows = inbox_page(user=request.user, page=request.GET.get("page", 1))
    return render(request, "notifications/inbox.html", {"page": page, "rows": rows})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one message read, then back to the inbox page the reader was on."""
    try:
        message_mark_read(user=request.user, message_id=pk, at=now())
    except DomainError as exc:
        return render(request, "notifications/inbox.html", {"error": exc.message, "rows": []}, status=exc.status)
    page = request.POST.get("page", "")
    back = reverse("notifications:inbox")
    return redirect(back + f"?page={page}" if page.isascii() and page.isdigit() and len(page) < 6 else back)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    """Mark every message read."""
    messages_mark_all_read(user=request.user, at=now())
    return redirect("notifications:inbox")
