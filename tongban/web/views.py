"""Home pages per role, health check and the bare JSON endpoint benchmarks compare against."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

from tongban.audit.reads import audit_staff_read
from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError
from tongban.common.forms import PersonLookupForm
from tongban.common.request import viewer
from tongban.common.roles import Role
from tongban.registry.selectors import person_detail, person_get, person_view, region_name
from tongban.registry.services import person_present_mark


def home(request: HttpRequest) -> HttpResponse:
    """The public home page; logged-in users see their role's entry points."""
    return render(request, "web/home.html", {"role": getattr(request.user, "role", None)})


@login_required
@role_required(Role.CLERK, Role.ADMIN)
def workbench(request: HttpRequest) -> HttpResponse:
    """The clerk's workbench (一窗通办): look up a person by ID number, pick ANY item (whatever
    the clerk's department), see what the registry already supplies, then accept, refuse at
    intake or accept under 告知承诺 — one submit makes the case and the decision."""
    from tongban.cases.workbench import handover_waiting, intake_context, intake_post, person_cases

    # POST only: an ID number never appears in a URL (or an access log).
    data = request.POST if request.method == "POST" else None
    form = PersonLookupForm(data or None)
    found = None
    status = 200
    person = None
    if data and form.is_valid():
        try:
            person = person_get(user=request.user, id_number=form.cleaned_data["id_number"])
        except DomainError:
            form.add_error("id_number", gettext("共享库中没有此人"))
            status = 404
        else:
            if not request.POST.get("decision"):  # a decision is a write, audited by the service
                audit_staff_read(
                    actor=viewer(request),
                    object_type="person",
                    object_id=person.pk,
                    at=now(),
                    channel="page",
                    what="workbench",
                )
            person_present_mark(user=request.user, person=person)
            found = person_view(user=request.user, detail=person_detail(person=person))
            found["pk"] = person.pk
            found["full_id"] = form.cleaned_data["id_number"]
            found["hukou_region_name"] = region_name(str(found.get("hukou_region") or ""))
    elif data:
        status = 400
    intake: dict[str, object] = {}
    if person is not None:
        intake.update(person_cases(user=request.user, person_id=person.pk))
        if request.POST.get("decision"):
            outcome = intake_post(request=request, person=person)
            if outcome.redirect is not None:
                return outcome.redirect
            intake, status = {**intake, **outcome.context}, outcome.status
        else:
            intake.update(intake_context(request=request, person=person, item_code=request.POST.get("item", "")))
    if request.headers.get("HX-Request"):
        template = "web/partials/lookup_result.html"
    else:
        template = "web/workbench.html"
        outlet_id = getattr(request.user, "outlet_id", None)
        if outlet_id is not None:
            from tongban.appointments.selectors import queue_today

            intake["queue"] = queue_today(outlet_id=outlet_id, at=now())
            intake["show_queue"] = True
            intake["handover_waiting"] = handover_waiting(user=request.user)
    return render(request, template, {"form": form, "found": found, "now": now(), **intake}, status=status)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def bare_json(request: HttpRequest) -> JsonResponse:
    """The floor the benchmarks compare against: a bare Django JSON view, no database, no auth."""
    return JsonResponse({"ok": True})
