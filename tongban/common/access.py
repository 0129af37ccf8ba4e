"""Object-level access: the one place that decides who may see which rows.

Every model that holds personal or case data declares an ``ACCESS = AccessRule(...)``; every view
and endpoint reads through ``access_filter`` / ``access_get``. Rules:

- administrators and auditors see everything;
- a citizen or enterprise user sees rows whose ``person`` path leads to their own registry person
  or whose ``owner`` path leads to their own account;
- a clerk sees rows whose ``outlets`` paths lead to their outlet (plus ``staff_all`` rows);
- an approver sees rows whose ``department`` path equals their department (plus ``staff_all``);
- anything else sees nothing. A row outside the caller's scope is "not found": nothing leaks.

Acting on a row (``write=True``: revoke, decide, change) is narrower than reading it: ``staff_all``
opens rows to every staff member for reading only, and auditors act on nothing.

Heads: a clerk or approver with ``supervisor`` set is the head of their outlet (网点负责人) or
department (部门负责人). A rule with ``heads="read"`` shows its rows to heads only (among clerks and
approvers); ``heads="act"`` lets every clerk or approver in scope read them and only heads act.
``access_scope`` says the same thing as one set of column constraints, for readers of rolled-up
rows (the figures) that must pick a table by the scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext

from tongban.common.errors import NotFound
from tongban.common.roles import Role

M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class AccessRule:
    """How a model's rows are scoped; each field is an ORM lookup path from the model."""

    person: str | None = None  # path to a registry Person id, matched to the citizen's person
    owner: str | None = None  # path to the citizen's User id
    outlets: tuple[str, ...] = ()  # paths to Outlet ids, matched to the clerk's outlet
    department: str | None = None  # path to a Department value, matched to the approver's
    staff_all: bool = False  # every staff role may read, not act on (e.g. the registry, looked up by ID)
    heads: str = ""  # "read": only heads (supervisors) among clerks/approvers see rows; "act": only heads act


class Viewer(Protocol):
    """What access needs to know of a user (accounts.User satisfies it); read-only."""

    @property
    def pk(self) -> Any: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def role(self) -> str: ...
    @property
    def person_id(self) -> int | None: ...
    @property
    def outlet_id(self) -> int | None: ...
    @property
    def department(self) -> str: ...
    @property
    def supervisor(self) -> bool: ...


def _rule(model: type[Model]) -> AccessRule:
    rule = getattr(model, "ACCESS", None)
    if not isinstance(rule, AccessRule):
        raise TypeError(f"{model.__name__} declares no ACCESS rule")
    return rule


def access_lookups(user: Viewer | Any, model: type[Model], *, write: bool = False) -> list[dict[str, Any]] | None:
    """The rows of ``model`` the user may read (or, with ``write``, act on) as alternatives: a row
    is in scope when it matches one of the lookups (e.g. a citizen's ``[{"person_id": 3},
    {"applicant_id": 9}]``). None means all rows, ``[]`` none."""
    rule = _rule(model)
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    role = getattr(user, "role", "")
    if role == Role.ADMIN or getattr(user, "is_superuser", False):
        return None
    if role == Role.AUDITOR:
        return [] if write else None
    out: list[dict[str, Any]] = []
    if role in (Role.CITIZEN, Role.ENTERPRISE):
        if rule.person and user.person_id is not None:
            out.append({rule.person: user.person_id})
        if rule.owner:
            out.append({rule.owner: user.pk})
        return out
    if role in (Role.CLERK, Role.APPROVER):
        head = bool(getattr(user, "supervisor", False))
        if not head and (rule.heads == "read" or (rule.heads == "act" and write)):
            return []
        if rule.staff_all and not write:
            return None
        if role == Role.CLERK and user.outlet_id is not None:
            out.extend({path: user.outlet_id} for path in rule.outlets)
        if role == Role.APPROVER and rule.department and user.department:
            out.append({rule.department: user.department})
        return out
    return []


def access_q(user: Viewer | Any, model: type[Model], *, write: bool = False) -> Q | None:
    """The filter for rows of ``model`` the user may read (or, with ``write``, act on): the OR of
    ``access_lookups``; None means all rows."""
    lookups = access_lookups(user, model, write=write)
    if lookups is None:
        return None
    q = Q(pk__in=[])  # matches nothing: the filter of an empty scope
    for lookup in lookups:
        q |= Q(**lookup)
    return q


def access_filter(user: Viewer | Any, qs: QuerySet[M], *, write: bool = False) -> QuerySet[M]:
    """Narrow a queryset to the rows the user may read (or, with ``write``, act on)."""
    q = access_q(user, qs.model, write=write)
    return qs if q is None else qs.filter(q)


def access_get(user: Viewer | Any, qs: QuerySet[M], *, write: bool = False, **lookup: Any) -> M:
    """One row the user may read (or act on). Raises NotFound when it is missing or out of scope."""
    obj = access_filter(user, qs, write=write).filter(**lookup).first()
    if obj is None:
        raise NotFound(gettext("未找到该记录"))
    return obj


def access_scope(user: Viewer | Any, model: type[Model]) -> dict[str, Any] | None:
    """The rows of ``model`` the user may read as column constraints: ``{}`` for every row, e.g.
    ``{"outlet_id": 7}`` for an outlet head, None for none. The same decision as ``access_q``,
    for readers that pick a rolled-up table by the scope. Raises TypeError when the user's
    scope is a choice between several paths (use ``access_q`` there)."""
    lookups = access_lookups(user, model)
    if lookups is None:
        return {}
    if not lookups:
        return None
    if len(lookups) > 1:
        raise TypeError(f"{model.__name__}: this user's scope is not one set of constraints")
    return lookups[0]
