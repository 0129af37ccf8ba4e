"""Registry pages: a citizen's own record (我的档案)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tongban.common.decorators import role_required
from tongban.common.errors import NotFound
from tongban.common.roles import Role
from tongban.registry.selectors import person_detail, person_get, person_view


@login_required
@role_required(Role.CITIZEN, Role.ENTERPRISE)
def me(request: HttpRequest) -> HttpResponse:
    """The citizen's own record from the shared registry, unmasked for its owner."""
    view = None
    id_number = getattr(request.user, "id_number", None)
    if id_number:
        try:
            person = person_get(user=request.user, id_number=id_number)
        except NotFound:
            person = None
        if person is not None:
            view = person_view(user=request.user, detail=person_detail(person=person))
    return render(request, "registry/me.html", {"p": view})
