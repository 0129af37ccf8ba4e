"""Catalog reads: items as ``ItemSpec``, list rows, and the catalog figures."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import F
from django.utils.translation import gettext

from tongban.catalog.models import Item, ItemVersion
from tongban.catalog.schemas import ItemSpec
from tongban.catalog.summaries import CatalogFigures, ItemSummary
from tongban.common.errors import NotFound
from tongban.common.lookups import Lookup

# Parsed specs by (code, version, digest). A version never changes, so an entry never goes stale;
# the digest guards against a test database reusing a version number for other content.
_SPECS: dict[tuple[str, int, str], ItemSpec] = {}
_SPECS_MAX = 4096


def _spec_from_json(data: dict[str, Any], version: int) -> ItemSpec:
    return ItemSpec.model_validate({**data, "version": version})


def _remember(key: tuple[str, int, str], data: dict[str, Any]) -> ItemSpec:
    spec = _spec_from_json(data, key[1])
    if len(_SPECS) >= _SPECS_MAX:
        _SPECS.clear()
    _SPECS[key] = spec
    return spec


def _specs_for(keys: list[tuple[str, int, str]]) -> list[ItemSpec]:
    """Specs for (code, version, digest) keys, parsing only those not seen before (one query)."""
    missing = [k for k in keys if k not in _SPECS]
    if missing:
        wanted = {(c, v) for c, v, _ in missing}
        rows = ItemVersion.objects.filter(item__code__in={c for c, _ in wanted}).values_list(
            "item__code", "version", "digest", "spec"
        )
        for code, version, digest, data in rows:
            if (code, version) in wanted:
                _remember((code, version, digest), data)
    return [_SPECS[k] for k in keys]


# The current (version, digest) by item code, asked on every submission: kept a few seconds
# (tongban.common.lookups; this process forgets at once when its services change the catalog).
_CURRENT = Lookup[tuple[int, str]]("catalog.current")


def _current(code: str) -> tuple[int, str] | None:
    rows = ItemVersion.objects.filter(item__code=code, item__published=True, version=F("item__current_version"))
    row = rows.order_by().values_list("version", "digest")[:1]
    return None if not row else (int(row[0][0]), str(row[0][1]))


def item_get(*, code: str) -> ItemSpec:
    """The current published version of an item. Raises NotFound."""
    found = _CURRENT.get((connection.alias, code), lambda: _current(code))
    if found is None:
        raise NotFound((gettext("没有事项 %(code)s") % {"code": code}), code="item_not_found")
    return _specs_for([(code, *found)])[0]


def item_version_get(*, code: str, version: int) -> ItemSpec:
    """One version of an item, published or not (a case reads the version it was filed under).
    Raises NotFound."""
    digest = ItemVersion.objects.filter(item__code=code, version=version).values_list("digest", flat=True).first()
    if digest is None:
        raise NotFound(
            (gettext("没有事项 %(code)s 的第 %(version)s 版") % {"code": code, "version": version}),
            code="item_not_found",
        )
    return _specs_for([(code, version, digest)])[0]


def items_list() -> list[ItemSpec]:
    """Every published item at its current version, ordered by department and code."""
    keys = list(
        ItemVersion.objects.filter(item__published=True, version=F("item__current_version"))
        .order_by("item__department", "item__code")
        .values_list("item__code", "version", "digest")
    )
    return _specs_for(keys)


def item_versions(*, code: str) -> list[dict[str, Any]]:
    """The version history of an item, newest first (for the admin and the API)."""
    rows = (
        ItemVersion.objects.filter(item__code=code)
        .order_by("-version")
        .values("version", "origin", "source_file", "created_at", "note", "digest")
    )
    return [dict(row) for row in rows]


def item_summary(spec: ItemSpec) -> ItemSummary:
    """The list row for a spec."""
    return ItemSummary(
        code=spec.code,
        version=spec.version,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        department=spec.department,
        channels=spec.channels,
        reach=spec.reach,
        online=spec.online,
        id_card_only=spec.id_card_only,
        zero_materials=spec.zero_materials,
        promised_limit=spec.promised_limit,
        fee_yuan=spec.fee_yuan,
    )


def items_search(
    *, q: str = "", department: str = "", channel: str = "", specs: list[ItemSpec] | None = None
) -> list[ItemSpec]:
    """Published items matching a free-text query (names, code, keywords), a department and a
    channel; empty filters match everything."""
    specs = items_list() if specs is None else specs
    needle = q.strip().lower()
    out = []
    for spec in specs:
        if department and spec.department != department:
            continue
        if channel and channel not in spec.channels:
            continue
        if needle:
            hay = " ".join([spec.code, spec.name_zh, spec.name_en, *spec.keywords]).lower()
            if not all(word in hay for word in needle.split()):
                continue
        out.append(spec)
    return out


def catalog_figures(*, specs: list[ItemSpec] | None = None) -> CatalogFigures:
    """Items online, items needing only the ID card (every required material has a source) and
    items with zero materials, counted over the current published versions."""
    specs = items_list() if specs is None else specs
    by_department: dict[str, int] = {}
    by_reach: dict[str, int] = {}
    for spec in specs:
        by_department[spec.department] = by_department.get(spec.department, 0) + 1
        by_reach[spec.reach] = by_reach.get(spec.reach, 0) + 1
    return CatalogFigures(
        items=len(specs),
        online=sum(1 for s in specs if s.online),
        id_card_only=sum(1 for s in specs if s.id_card_only),
        zero_materials=sum(1 for s in specs if s.zero_materials),
        by_department=by_department,
        by_reach=by_reach,
    )


def item_exists(*, code: str) -> bool:
    """Whether an item with this code is known (published or not)."""
    return Item.objects.filter(code=code).exists()


# --- materials on file and eligibility for one person -------------------------------------------

_SOURCES = (
    "hukou",
    "id_card",
    "driver_licence",
    "vehicle",
    "medical_check",
    "education",
    "dog_vaccination",
    "tenancy",
)


def _condition_facts(cond: Any) -> set[str]:
    from tongban.catalog.schemas import AllOf, AnyOf, Compare, NotOf

    if isinstance(cond, Compare):
        return {cond.fact}
    if isinstance(cond, AllOf):
        return set().union(*(_condition_facts(c) for c in cond.all))
    if isinstance(cond, AnyOf):
        return set().union(*(_condition_facts(c) for c in cond.any))
    if isinstance(cond, NotOf):
        return _condition_facts(cond.not_)
    return set()


def spec_sources(spec: ItemSpec) -> set[str]:
    """The registry sources an item needs: its materials' sources and every source its rules,
    points table and derived facts read."""
    paths: set[str] = set()
    for rule in spec.eligibility:
        paths |= _condition_facts(rule.require)
        if rule.when is not None:
            paths |= _condition_facts(rule.when)
    if spec.points is not None:
        for e in spec.points.entries:
            if e.when is not None:
                paths |= _condition_facts(e.when)
            if e.per_unit_of:
                paths.add(e.per_unit_of)
    for d in spec.derived:
        for case in d.cases:
            paths |= _condition_facts(case.when)
    heads = {p.split(".", 1)[0] for p in paths}
    return {m.source for m in spec.materials if m.source} | (heads & set(_SOURCES))


def _photo_on_file(*, id_number: str, standard: str, at: Any) -> bool:
    from tongban.photos.services import photo_latest_valid  # imported late (the photo engine is heavy)

    return photo_latest_valid(id_number=id_number, standard=standard, at=at) is not None


def materials_on_file(
    *, spec: ItemSpec, id_number: str | None, at: Any, known: dict[str, bool] | None = None
) -> list[dict[str, Any]]:
    """The item's materials checklist for one person: which ones the registry (or the photo
    library) already holds, so the person need not bring them (一证通办). ``known`` passes
    sources already asked (source → supplied)."""
    from tongban.registry.selectors import registry_supply_many

    supplied: dict[str, bool] = dict(known or {})
    if id_number:
        asked = sorted({m.source for m in spec.materials if m.source} - supplied.keys())
        for source, got in registry_supply_many(sources=asked, id_number=id_number, at=at).items():
            supplied[source] = got is not None
    out = []
    for m in spec.materials:
        on_file = False
        if id_number and m.source:
            on_file = supplied.get(m.source, False)
        elif id_number and m.photo_standard:
            on_file = _photo_on_file(id_number=id_number, standard=m.photo_standard, at=at)
        out.append(
            {
                "code": m.code,
                "name_zh": m.name_zh,
                "name_en": m.name_en,
                "required": m.required,
                "supplied": on_file,
                "source": m.source,
                "photo_standard": m.photo_standard,
                "note_zh": m.note_zh,
                "note_en": m.note_en,
            }
        )
    return out


def item_facts(*, spec: ItemSpec, id_number: str | None, form: dict[str, Any], at: Any, supplied: Any) -> Any:
    """The facts an item's rules read: the form, and ``supplied`` (source → what the registry
    supplied, or None: ``registry_supply_many`` over ``spec_sources``), read once by the caller."""
    from tongban.catalog.rules import eligibility_facts
    from tongban.common.clock import local_today

    by_source = {source: dict(got.facts) for source, got in supplied.items() if got is not None}
    return eligibility_facts(at=local_today(at), form=form, supplied=by_source, id_number=id_number or None)


def item_failures(*, spec: ItemSpec, facts: Any) -> list[dict[str, Any]]:
    """The item's eligibility rules that ``facts`` (``item_facts``) fail, with Chinese and English reasons."""
    from tongban.catalog.rules import item_eligibility

    return [
        {"rule": f.rule, "reason_zh": f.reason_zh, "reason_en": f.reason_en, "missing": list(f.missing)}
        for f in item_eligibility(spec=spec, facts=facts)
    ]


def item_check_for(*, spec: ItemSpec, id_number: str | None, form: dict[str, Any], at: Any) -> dict[str, Any]:
    """Evaluate an item for one person at ``at``: eligibility failures (Chinese + English reasons),
    the points breakdown, derived facts and the materials checklist. Reads the registry only, each
    source once."""
    from tongban.catalog.rules import item_derive, item_points
    from tongban.registry.selectors import registry_supply_many

    supplied = {}
    if id_number:
        supplied = registry_supply_many(sources=sorted(spec_sources(spec)), id_number=id_number, at=at)
    known = {source: got is not None for source, got in supplied.items()}
    facts = item_facts(spec=spec, id_number=id_number, form=form, at=at, supplied=supplied)
    failures = item_failures(spec=spec, facts=facts)
    points = item_points(spec=spec, facts=facts)
    return {
        "code": spec.code,
        "version": spec.version,
        "eligible": not failures,
        "failures": failures,
        "points": None
        if points is None
        else {
            "total": points.total,
            "threshold": points.threshold,
            "passed": points.passed,
            "lines": [
                {"code": ln.code, "label_zh": ln.label_zh, "label_en": ln.label_en, "points": ln.points}
                for ln in points.lines
            ],
        },
        "derived": item_derive(spec=spec, facts=facts),
        "materials": materials_on_file(spec=spec, id_number=id_number, at=at, known=known),
    }


def item_precheck(*, spec: ItemSpec, id_number: str, at: Any) -> tuple[list[dict[str, Any]], list[Any]]:
    """What the registry alone says about a person and an item, before any form is filled in:
    the eligibility rules they fail (rules that need the form, points or derived values are left
    for the application; ``not_on_file`` when a fact is simply not recorded) and the materials
    checklist. Shown on the guide page and at the top of the apply page."""
    if not spec.eligibility:
        return [], materials_on_file(spec=spec, id_number=id_number, at=at)
    check = item_check_for(spec=spec, id_number=id_number, form={}, at=at)
    standins = {m.source for m in spec.materials if m.upload_verifies and m.source}
    on_file = {m["source"] for m in check["materials"] if m["source"] and m["supplied"]}

    def needs_the_form(missing: str) -> bool:
        # a rule that needs the form, points or derived values is left for the application; so is
        # a record picked by a form value (``dog_vaccination.dogs[chip=form.chip]``) when the source
        # holds records for the person: which one counts is only known from the form
        return missing.startswith(("form.", "points", "derived.")) or (
            "form." in missing and missing.split(".", 1)[0] in on_file
        )

    failures = [
        {
            **f,
            "not_on_file": bool(f["missing"]),
            "upload_ok": bool(f["missing"]) and {str(p).split(".", 1)[0] for p in f["missing"]} <= standins,
        }
        for f in check["failures"]
        if not any(needs_the_form(m) for m in f["missing"])
    ]
    return failures, check["materials"]
