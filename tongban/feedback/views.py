"""Rating pages: the citizen's cases to rate (a phone-sized page), the rating form, the window
desk where a clerk hands the tablet over, the kiosk-style tablet page bound to one case (no
login of the citizen), the kiosk's own entry; and the heads' 差评 follow-up work list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError, NotFound
from tongban.common.masking import mask_name
from tongban.common.request import viewer
from tongban.common.roles import Role
from tongban.feedback.forms import HandoverForm, KioskForm, RatingForm
from tongban.feedback.selectors import (
    CLOSED_RATEABLE,
    invitations_open,
    ratings_mine,
    ratings_of_cases,
    scheme_get,
)
from tongban.feedback.services import (
    handover_issue,
    handover_read,
    kiosk_handover,
    rating_submit,
    rating_submit_handed,
)

CITIZENS = (Role.CITIZEN, Role.ENTERPRISE)
KIOSK_FAILURES = 10  # per client address and quarter of an hour


@login_required
@role_required(*CITIZENS)
def mine(request: HttpRequest) -> HttpResponse:
    """办件评价: my recent cases, with a button for each finished one not rated yet; invitations;
    my ratings and the answers to my 差评."""
    from tongban.cases.selectors import cases_mine

    try:
        page_no = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_no = 1
    page = cases_mine(user=request.user, now=now(), page=page_no)
    rows = [r["case"] for r in page.rows]
    rated = ratings_of_cases(case_ids=[c.pk for c in rows])
    cases = [
        {
            "case": c,
            "rateable": c.status in CLOSED_RATEABLE and (c.pk, "completion") not in rated,
            "rating": rated.get((c.pk, "completion")) or rated.get((c.pk, "acceptance")),
        }
        for c in rows
    ]
    return render(
        request,
        "feedback/mine.html",
        {
            "cases": cases,
            "page": page,
            "invitations": invitations_open(user=request.user),
            "ratings": ratings_mine(user=request.user),
            "scheme": scheme_get(),
        },
    )


@login_required
@role_required(*CITIZENS)
def rate(request: HttpRequest, number: str) -> HttpResponse:
    """一事一评 online: rate one finished case of mine."""
    from tongban.cases.selectors import case_get

    try:
        case = case_get(user=request.user, number=number)
    except NotFound:
        raise Http404 from None
    scheme = scheme_get()
    form = RatingForm(request.POST or None, scheme=scheme, channel="online")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rating_submit(
                    case_number=number,
                    rater=request.user,
                    level=form.cleaned_data["level"],
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                    now=now(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("感谢您的评价"))
                return redirect("feedback:mine")
        status = 400
    return render(request, "feedback/rate.html", {"case": case, "form": form}, status=status)


@login_required
@role_required(Role.CLERK)
def desk(request: HttpRequest) -> HttpResponse:
    """窗口评价: the clerk picks the case just served and hands the tablet to the applicant."""
    from tongban.cases.selectors import case_queue

    form = HandoverForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token = handover_issue(
                    case_number=form.cleaned_data["case_number"].strip(), actor=viewer(request), now=now()
                )
            except NotFound:
                form.add_error("case_number", _("本网点没有这个办件，请核对办件编号"))
            except DomainError as exc:
                form.add_error("case_number", exc.message)
            else:
                return redirect("feedback:tablet", token=token)
        status = 400
    accepted = case_queue(user=request.user, now=now(), status="accepted")
    return render(request, "feedback/desk.html", {"form": form, "recent": accepted.rows}, status=status)


@never_cache
def tablet(request: HttpRequest, token: str) -> HttpResponse:
    """The page on the window tablet (or the kiosk) bound to one case for a few minutes: no
    navigation, no login of the citizen, nothing but the item, the masked name and the form."""
    from tongban.cases.facts import case_briefs

    at = now()
    try:
        h = handover_read(token=token, now=at)
    except NotFound as exc:
        return render(request, "feedback/tablet_done.html", {"message": exc.message, "expired": True}, status=410)
    brief = case_briefs(numbers=[h.case_number]).get(h.case_number)
    if brief is None:
        raise Http404
    scheme = scheme_get()
    form = RatingForm(request.POST or None, scheme=scheme, channel=h.channel)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rating_submit_handed(
                    token=token,
                    level=form.cleaned_data["level"],
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                    now=at,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return render(
                    request,
                    "feedback/tablet_done.html",
                    {"message": _("感谢您的评价！请将设备交还工作人员。"), "channel": h.channel},
                )
        status = 400
    return render(
        request,
        "feedback/tablet.html",
        {
            "form": form,
            "item_name": brief.item_name,
            "number": brief.number,
            "who": mask_name(brief.applicant_name),
            "occasion": h.occasion,
            "channel": h.channel,
        },
        status=status,
    )


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


@never_cache
def kiosk(request: HttpRequest) -> HttpResponse:
    """自助终端评价: the applicant identifies with their ID card and the case number, then rates."""
    key = f"feedback:kiosk:{_client(request)}"
    form = KioskForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if (cache.get(key) or 0) >= KIOSK_FAILURES:
            form.add_error(None, _("尝试次数过多，请15分钟后再试，或到窗口请工作人员协助"))
            return render(request, "feedback/kiosk.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                token = kiosk_handover(
                    case_number=form.cleaned_data["case_number"], id_number=form.cleaned_data["id_number"], now=now()
                )
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    cache.add(key, 0, 900)
                    try:
                        cache.incr(key)
                    except ValueError:
                        cache.set(key, 1, 900)
                form.add_error(None, exc.message)
            else:
                return redirect("feedback:tablet", token=token)
        status = 400
    return render(request, "feedback/kiosk.html", {"form": form}, status=status)
