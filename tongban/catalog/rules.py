"""The eligibility rule language: evaluating conditions, points tables and derived facts.

Pure functions over plain data (no database, no clock): the decision date is a fact (``at``).
Nothing in a rule is executed as code; a condition is a tree of ``all``/``any``/``not`` over
comparisons of named facts with literal values (see ``tongban.catalog.schemas``).

Facts are a mapping::

    {
      "at": date,                          # the decision date (Asia/Shanghai calendar date)
      "person": {"birth_date": date},      # or "id_number" (birth date read from it)
      "form": {...},                       # what the applicant filled in
      "education": {...}, "hukou": {...},  # what each registry source supplied (Supplied.facts)
    }

A fact that is absent makes its comparison false and is reported in ``Failure.missing``, so an
applicant sees "not known" separately from "not met".
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tongban.catalog.schemas import AllOf, AnyOf, Compare, Condition, ItemSpec, NotOf

_ABSENT = object()
#: One step of a fact path: ``name`` or ``name[key=form.field]`` (a list item picked by a form value).
_DOT = re.compile(r"\.(?![^\[]*\])")  # a dot outside brackets
_SELECT = re.compile(r"([A-Za-z0-9_]+)(?:\[([a-z_]+)=(form\.[a-z0-9_]+)\])?")


@dataclass(frozen=True, slots=True)
class Failure:
    """An eligibility rule the applicant does not meet, with the reason in Chinese and English.

    ``missing`` names facts that were not known (e.g. no education record on file)."""

    rule: str
    reason_zh: str
    reason_en: str
    missing: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        """The reason in the active language (English pages: English; otherwise Chinese)."""
        from django.utils.translation import get_language

        english = (get_language() or "").lower().startswith("en")
        return (self.reason_en or self.reason_zh) if english else self.reason_zh


@dataclass(frozen=True, slots=True)
class PointsLine:
    code: str
    label_zh: str
    label_en: str
    points: float


@dataclass(frozen=True, slots=True)
class PointsBreakdown:
    """The points an applicant scores, line by line, against the threshold."""

    total: float
    threshold: float
    lines: tuple[PointsLine, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.total >= self.threshold


@dataclass
class _Ctx:
    spec: ItemSpec
    facts: Mapping[str, Any]
    missing: set[str] = field(default_factory=set)
    derived: dict[str, Any] | None = None
    points: float | None = None
    computing: set[str] = field(default_factory=set)


# --- dates --------------------------------------------------------------------------------------


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(birth: dt.date, at: dt.date) -> int:
    """Whole years of age (周岁) on ``at``."""
    return at.year - birth.year - ((at.month, at.day) < (birth.month, birth.day))


def _decision_date(facts: Mapping[str, Any]) -> dt.date:
    at = _as_date(facts.get("at"))
    if at is None:
        raise ValueError("eligibility facts need 'at', the decision date")
    return at


# --- fact lookup --------------------------------------------------------------------------------


def _birth_date(facts: Mapping[str, Any]) -> dt.date | None:
    person = facts.get("person") or {}
    birth = _as_date(person.get("birth_date"))
    if birth is not None:
        return birth
    id_number = person.get("id_number")
    if isinstance(id_number, str) and len(id_number) == 18:
        return _as_date(f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}")
    return None


def _lookup(ctx: _Ctx, path: str) -> Any:
    if path == "age":
        birth = _birth_date(ctx.facts)
        return _ABSENT if birth is None else age_on(birth, _decision_date(ctx.facts))
    if path == "points":
        return points_total(ctx)
    head, _, rest = path.partition(".")
    if head == "derived":
        derived = derived_all(ctx)
        value = derived.get(rest, _ABSENT)
        return _ABSENT if value is None else value
    node: Any = ctx.facts.get(head, _ABSENT)
    for part in _DOT.split(rest):
        step = _SELECT.fullmatch(part)
        if step is None:
            return _ABSENT
        name, key, by = step.groups()
        if not isinstance(node, Mapping) or name not in node:
            return _ABSENT
        node = node[name]
        if key is not None:
            # a list item picked by a form value: ``dogs[chip=form.chip]`` is the dog with that chip
            wanted = _lookup(ctx, by)
            if wanted is _ABSENT or not isinstance(node, list):
                return _ABSENT
            node = next((x for x in node if isinstance(x, Mapping) and str(x.get(key)) == str(wanted)), None)
            if node is None:
                return _ABSENT
    return _ABSENT if node is None else node


# --- evaluation ---------------------------------------------------------------------------------


def _compare(ctx: _Ctx, c: Compare) -> bool:
    value = _lookup(ctx, c.fact)
    if c.op == "missing":
        return value is _ABSENT or value in ("", [], {})
    if c.op == "exists":
        if value is _ABSENT:
            ctx.missing.add(c.fact)
            return False
        return value not in ("", [], {})
    if value is _ABSENT:
        ctx.missing.add(c.fact)
        return False
    op, want = c.op, c.value
    if op == "is_true":
        return value is True
    if op == "is_false":
        return value is False
    if op == "in":
        return value in want
    if op == "not_in":
        return value not in want
    if op.startswith(("years_", "days_")):
        day = _as_date(value)
        if day is None:
            return False
        at = _decision_date(ctx.facts)
        if op == "years_since_le":
            return at <= add_years(day, want)
        if op == "years_since_ge":
            return at >= add_years(day, want)
        if op == "days_since_le":
            return (at - day).days <= want
        if op == "days_since_ge":
            return (at - day).days >= want
        if op == "days_until_le":
            return (day - at).days <= want
        if op == "days_until_ge":
            return (day - at).days >= want
        raise ValueError(f"unknown op {op!r}")  # unreachable: the schema limits ops
    if isinstance(value, bool) != isinstance(want, bool):
        return False  # True == 1 in Python; a rule comparing a flag with a number is not met
    try:
        if op == "eq":
            return bool(value == want)
        if op == "ne":
            return bool(value != want)
        if op == "lt":
            return bool(value < want)
        if op == "le":
            return bool(value <= want)
        if op == "gt":
            return bool(value > want)
        if op == "ge":
            return bool(value >= want)
    except TypeError:
        return False  # e.g. a string where a number was expected: not met, never a crash
    raise ValueError(f"unknown op {op!r}")


def _holds(ctx: _Ctx, cond: Condition) -> bool:
    if isinstance(cond, Compare):
        return _compare(ctx, cond)
    if isinstance(cond, AllOf):
        results = [_holds(ctx, c) for c in cond.all]  # evaluate all, to report every missing fact
        return all(results)
    if isinstance(cond, AnyOf):
        results = [_holds(ctx, c) for c in cond.any]
        return any(results)
    if isinstance(cond, NotOf):
        return not _holds(ctx, cond.not_)
    raise TypeError(f"not a condition: {cond!r}")


def condition_holds(*, condition: Condition, facts: Mapping[str, Any], spec: ItemSpec) -> bool:
    """Whether one condition holds for these facts (``spec`` supplies points and derived facts)."""
    return _holds(_Ctx(spec=spec, facts=facts), condition)


def derived_all(ctx: _Ctx) -> dict[str, Any]:
    """Every derived fact of the item, in declaration order (later ones may use earlier ones)."""
    if ctx.derived is not None:
        return ctx.derived
    ctx.derived = {}
    for d in ctx.spec.derived:
        value = d.default
        for case in d.cases:
            if _holds(ctx, case.when):
                value = case.value
                break
        ctx.derived[d.name] = value
    return ctx.derived


def points_total(ctx: _Ctx) -> Any:
    table = ctx.spec.points
    if table is None:
        return _ABSENT
    if "points" in ctx.computing:
        return _ABSENT  # a points entry that refers to the points total counts as unknown
    if ctx.points is None:
        ctx.computing.add("points")
        try:
            ctx.points = _points(ctx).total
        finally:
            ctx.computing.discard("points")
    return ctx.points


def _points(ctx: _Ctx) -> PointsBreakdown:
    table = ctx.spec.points
    assert table is not None  # callers check
    lines = []
    for e in table.entries:
        if e.points is not None:
            assert e.when is not None  # the schema requires it
            got = e.points if _holds(ctx, e.when) else 0.0
        else:
            assert e.per_unit_of is not None and e.per_unit is not None
            raw = _lookup(ctx, e.per_unit_of)
            if raw is _ABSENT:
                ctx.missing.add(e.per_unit_of)
                raw = 0
            try:
                units = math.floor(float(raw))
            except (TypeError, ValueError):
                units = 0
            got = max(units, 0) * e.per_unit
            if e.cap is not None:
                got = min(got, e.cap)
        lines.append(PointsLine(e.code, e.label_zh, e.label_en, float(got)))
    return PointsBreakdown(
        total=float(sum(line.points for line in lines)),
        threshold=table.threshold,
        lines=tuple(lines),
        missing=tuple(sorted(ctx.missing)),
    )


# --- the services other modules call ------------------------------------------------------------


def item_eligibility(*, spec: ItemSpec, facts: Mapping[str, Any]) -> list[Failure]:
    """The eligibility rules of ``spec`` that ``facts`` do not meet (empty: eligible).

    A rule with ``when`` applies only when its ``when`` holds. Raises ValueError when ``facts``
    has no decision date ``at``.
    """
    _decision_date(facts)
    failures = []
    for rule in spec.eligibility:
        ctx = _Ctx(spec=spec, facts=facts)
        if rule.when is not None and not _holds(ctx, rule.when):
            continue
        ctx.missing.clear()
        if not _holds(ctx, rule.require):
            failures.append(Failure(rule.code, rule.reason_zh, rule.reason_en, tuple(sorted(ctx.missing))))
    return failures


def item_points(*, spec: ItemSpec, facts: Mapping[str, Any]) -> PointsBreakdown | None:
    """The points breakdown of an item with a points table (None for other items)."""
    if spec.points is None:
        return None
    _decision_date(facts)
    return _points(_Ctx(spec=spec, facts=facts))


def item_derive(*, spec: ItemSpec, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The item's derived facts (e.g. ``truck_class``) for these facts."""
    _decision_date(facts)
    return dict(derived_all(_Ctx(spec=spec, facts=facts)))


def eligibility_facts(
    *,
    at: dt.date,
    form: Mapping[str, Any] | None = None,
    supplied: Mapping[str, Mapping[str, Any]] | None = None,
    birth_date: dt.date | None = None,
    id_number: str | None = None,
) -> dict[str, Any]:
    """Assemble the facts mapping from its parts: the decision date, the form, each source's
    ``Supplied.facts`` keyed by source code, and the person's birth date or ID number."""
    facts: dict[str, Any] = {"at": at, "form": dict(form or {}), "person": {}}
    if birth_date is not None:
        facts["person"]["birth_date"] = birth_date
    if id_number is not None:
        facts["person"]["id_number"] = id_number
    for source, data in (supplied or {}).items():
        if source in ("at", "form", "person", "derived"):
            raise ValueError(f"{source!r} is not a source code")
        facts[source] = dict(data)
    return facts
