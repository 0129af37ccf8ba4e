"""微安居 pages for 通知通告 and 问题帮助: the station publishes notices to an area and answers
questions; the public help page; a citizen's questions and their answers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError, NotFound
from tongban.common.request import viewer
from tongban.common.roles import Role
from tongban.rentals import bulletins, helpdesk
from tongban.rentals.forms import AnswerForm, NoticeForm, QuestionForm
from tongban.rentals.views import _is_officer


def _area_rows(user: Any) -> list[dict[str, str]]:
    levels = {"district": _("区县"), "street": _("街道"), "community": _("社区")}
    return [{**a, "label": f"{a['name']}（{levels[a['level']]}）"} for a in bulletins.notice_areas(user=user)]


@login_required
@role_required(Role.APPROVER, Role.ADMIN)
def notices(request: HttpRequest) -> HttpResponse:
    """通知通告: the officer publishes a notice to an area of the station's district and sees the
    station's notices with how many people each reached."""
    if not _is_officer(request.user):
        raise PermissionDenied
    form = NoticeForm(request.POST or None, areas=_area_rows(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                notice = bulletins.notice_publish(actor=viewer(request), now=now(), **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("通知已发布，推送 %(n)d 人") % {"n": notice.deliveries.count()})
                return redirect("rentals:notices")
        status = 400
    context = {"form": form, "notices": bulletins.notices_published(user=request.user)}
    return render(request, "rentals/notices.html", context, status=status)


def help_page(request: HttpRequest) -> HttpResponse:
    """问题帮助: the help articles (public), in the reader's language."""
    return render(request, "rentals/help.html", {"articles": helpdesk.help_articles()})


@login_required
@role_required(Role.CITIZEN)
def questions(request: HttpRequest) -> HttpResponse:
    """A citizen asks the station a question and sees their questions and the answers."""
    form = QuestionForm(request.POST or None, stations=helpdesk.stations())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                helpdesk.question_ask(asker=request.user, now=now(), **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("问题已提交，派出所答复后会通知您"))
                return redirect("rentals:questions")
        status = 400
    context = {"form": form, "questions": helpdesk.questions_mine(user=request.user)}
    return render(request, "rentals/questions.html", context, status=status)


@login_required
@role_required(Role.APPROVER, Role.ADMIN)
def answers(request: HttpRequest) -> HttpResponse:
    """The station's open questions, each with an answer form."""
    if not _is_officer(request.user):
        raise PermissionDenied
    context = {
        "open": helpdesk.questions_for_station(user=request.user),
        "answered": helpdesk.questions_for_station(user=request.user, state="answered")[:20],
        "form": AnswerForm(),
    }
    return render(request, "rentals/answers.html", context)


@login_required
@require_POST
@role_required(Role.APPROVER, Role.ADMIN)
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer answers one open question."""
    if not _is_officer(request.user):
        raise PermissionDenied
    form = AnswerForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("请填写答复（不超过 1000 字）"), code="answer")
        helpdesk.question_answer(pk=pk, actor=viewer(request), answer=form.cleaned_data["answer"], now=now())
        messages.success(request, _("已答复，提问人会收到通知"))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("rentals:answers")
