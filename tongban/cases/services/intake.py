"""The one intake action: file an application and, for a clerk at the window, decide on it.

``case_submit`` serves the API, the citizen's pages and the clerk's workbench alike. It reads the
applicant and what the registry holds once, checks the form and the item's eligibility rules on
that, resolves the materials from the same answers, and writes the case, its materials, its
history and its audit entries in one transaction: one entry per move (submitted, then accepted /
accepted under 告知承诺 / refused when the clerk decides at once). Later moves go through
``case_transition``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext

from tongban.audit.services import audit_record
from tongban.cases.models import Case, CaseEvent, CaseMaterial, Channel, MaterialState, Status, SubmitKey
from tongban.cases.notices import case_event_notify
from tongban.cases.outcomes import (
    UNSTAFFED,
    accept_check,
    handling_kinds,
    handling_region,
    instant_complete,
    submit_check,
)
from tongban.cases.schemas import MaterialView
from tongban.cases.selectors import item_spec, materials_resolve, photo_api
from tongban.cases.services.moves import _acceptance, _accepted_entry, _label, _move, _role
from tongban.cases.sql import counter_next
from tongban.cases.verification import not_eligible_message, rows_mark_pending, set_aside
from tongban.catalog.labels import CHANNEL_LABELS
from tongban.common.access import Viewer
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Conflict, Forbidden, Invalid
from tongban.common.formatting import join_list
from tongban.common.lookups import Lookup
from tongban.common.ratelimit import submit_rate_limit
from tongban.common.roles import Role
from tongban.workdays.selectors import calendar_get

log = logging.getLogger(__name__)

STAFF_SUBMIT = frozenset({Role.CLERK, Role.APPROVER, Role.ADMIN})
CITIZENS = frozenset({Role.CITIZEN, Role.ENTERPRISE})


@dataclass(frozen=True)
class Decision:
    """A clerk's decision at the window, made in the submission's transaction: accept, accept
    under 告知承诺 (``commitment``) or refuse at intake (with a ``reason``)."""

    kind: Literal["accept", "commitment", "refuse"]
    reason: str = ""


@dataclass(frozen=True)
class Submitted:
    """The result of a submission: the case, and whether this call created it (False on a replay)."""

    case: Case
    created: bool
    materials: list[CaseMaterial] | None = None  # what was written (a fresh submission only)
    events: list[CaseEvent] | None = None


def case_number_allocate(*, region_code: str, at: dt.datetime) -> str:
    """The next case number for a region and local date: ``330106-20260310-000042``.

    Drawn before the case's transaction (``case_submit``), so the counter row every submitter of
    the scope shares is locked for one statement, not until the case commits; a case whose
    transaction then fails leaves a gap in the numbers (tongban.cases.sql, docs/adr/0010).
    """
    day = at.astimezone(SHANGHAI).date()
    region = (region_code or "000000")[:6].ljust(6, "0")
    return f"{region}-{day:%Y%m%d}-{counter_next(f'{region}{day:%Y%m%d}'):06d}"


def body_hash(payload: dict[str, Any]) -> str:
    """A stable digest of a submission, to tell a retry from a different request under one key."""
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _route(*, item: Any, person: Any, outlet: Any) -> tuple[str, Any]:
    """代收代办: which region's authority handles the case, and its outlet if one can be named.

    The region is the item's jurisdiction (``tongban.cases.outcomes.handling_region``); the
    outlet a staffed one of the item's outlet kinds.
    """
    region = handling_region(item=item, person=person, outlet=outlet)
    kinds = handling_kinds(item)
    if outlet is not None and outlet.region_code == region and (not kinds or outlet.kind in kinds):
        return region, outlet  # accepted where it is handled; else handed on (一窗受理、后台流转)
    return region, _ROUTES.get(
        (connection.alias, item.code, region),
        lambda: _handling_outlet(item_code=item.code, region=region, kinds=kinds),
    )


# The handling outlet by (item, region), asked on every submission that is not handled where it
# was accepted: kept a few seconds, "no outlet" too (tongban.common.lookups; the outlets services
# make this process forget at once). The outlet is shared between requests, never written.
_ROUTES = Lookup[Any]("cases.routes", misses=True)


def _handling_outlet(*, item_code: str, region: str, kinds: list[str] | None = None) -> Any:
    """The first staffed outlet of ``region`` (of the item's outlet kinds) that accepts the item,
    by the outlets module's own query, with the fields a case shows loaded (the others deferred)."""
    from tongban.outlets.selectors import outlets_for_item

    qs = outlets_for_item(item_code=item_code).filter(region_code=region).exclude(kind__in=UNSTAFFED)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.only("code", "name", "region_code", "kind", "bureau", "bureau_en").first()


# Compiled form validators by schema object: item specs are cached and immutable per version, so
# one spec's schema is the same dict on every request (kept here too, so its id is not reused).
_VALIDATORS: dict[int, tuple[dict[str, Any], Any]] = {}


def _form_errors(schema: dict[str, Any], form: dict[str, Any]) -> list[dict[str, str]]:
    hit = _VALIDATORS.get(id(schema))
    if hit is None or hit[0] is not schema:
        from jsonschema import Draft202012Validator

        if len(_VALIDATORS) >= 1024:
            _VALIDATORS.clear()
        hit = _VALIDATORS[id(schema)] = (schema, Draft202012Validator(schema))
    errors = []
    for err in sorted(hit[1].iter_errors(form), key=lambda e: list(e.absolute_path)):
        path = [str(p) for p in err.absolute_path]
        if err.validator == "required" and "'" in err.message:
            path.append(err.message.split("'")[1])  # "'x' is a required property" names the field
        errors.append({"field": ".".join(path), "message": err.message})
    return errors


def _replay(*, user: Any, key: str, digest: str) -> Submitted | None:
    """The case a key was first used for (None when the key is new); Conflict for another body."""
    # two columns, no join: nearly every key is new, and a replay reads its case afterwards;
    # (user, key) is unique, so no ORDER BY
    found = list(SubmitKey.objects.filter(user_id=user.pk, key=key).values_list("case_id", "body_hash")[:1])
    if not found or found[0][0] is None:
        return None
    case_id, body_hash = found[0]
    if body_hash != digest:
        raise Conflict(
            gettext("同一幂等键已用于另一份申请"),
            code="idempotency_key_reused",
        )
    return Submitted(Case.objects.get(pk=case_id), False)


def _applicant(*, actor: Viewer, role: str, id_number: str | None, channel: str) -> tuple[Any, Any, str]:
    """Who applies, at which outlet, through which channel: (``OnFile``, outlet or None, channel).

    Raises Invalid (unknown person, channel), Forbidden (role, not self, no outlet).
    """
    from tongban.registry.selectors import person_on_file

    if role in CITIZENS:
        on_file = person_on_file(pk=actor.person_id) if getattr(actor, "person_id", None) is not None else None
        if on_file is None:
            raise Invalid(gettext("您的账号尚未关联户籍/居住信息"), code="no_person")
        if id_number and id_number != on_file.person.id_number:
            raise Forbidden(gettext("只能为本人申请"), code="not_self")
        if channel not in (Channel.ONLINE, Channel.PHONE, Channel.KIOSK):
            raise Invalid(gettext("群众只能网上或自助申请"), code="channel")
        return on_file, None, channel
    if role in STAFF_SUBMIT:
        if not id_number:
            raise Invalid(gettext("请输入申请人身份证号码"), code="id_number", field="id_number")
        on_file = person_on_file(id_number=id_number)
        if on_file is None:
            raise Invalid(gettext("共享库中没有此人"), code="no_person", field="id_number")
        outlet = getattr(actor, "outlet", None)
        if outlet is None:
            raise Forbidden(gettext("只有网点工作人员可以代为申请"), code="no_outlet")
        return on_file, outlet, Channel.WINDOW if channel == Channel.ONLINE else channel
    raise Forbidden(gettext("该角色不能提交申请"))


def _check(
    *,
    item: Any,
    form: dict[str, Any],
    id_number: str,
    supplied: dict[str, Any],
    now: dt.datetime,
    presented: frozenset[str] | set[str] = frozenset(),
) -> list[str]:
    """The form against the item's JSON Schema, then the item's eligibility rules on what the
    registry ``supplied``. Returns the uploaded materials that stand in for a missing registry
    record (verified by staff before approval, tongban.cases.verification). Raises Invalid."""
    errors = _form_errors(item.form_schema, form)
    if errors:
        raise Invalid(gettext("申请表填写有误"), code="form_invalid", errors=errors)
    if item.eligibility:
        from tongban.catalog.selectors import item_facts, item_failures

        facts = item_facts(spec=item, id_number=id_number, form=form, at=now, supplied=supplied)
        failures, pending = set_aside(item, item_failures(spec=item, facts=facts), presented)
        if failures:
            raise Invalid(not_eligible_message(failures), code="not_eligible", failures=failures)
        return pending
    return []


def case_submit(
    *,
    actor: Viewer,
    item_code: str,
    form: dict[str, Any],
    channel: str,
    now: dt.datetime,
    id_number: str | None = None,
    presented: Iterable[str] = (),
    files: dict[str, str] | None = None,
    idempotency_key: str | None = None,
    decision: Decision | None = None,
    expedited: bool = False,
    elder_help: bool = False,
    rate_limited: bool = False,
) -> Submitted:
    """File an application under the item's current version; with a clerk's ``decision`` also
    accept or refuse it, in the same transaction.

    A citizen applies for themself; staff (a clerk at their outlet) for the person whose
    ``id_number`` they give. Materials a registry source holds are attached with provenance, a
    valid photo from the photo library is reused, ``presented`` materials are marked as handed in.
    The item's eligibility rules (catalog) are checked against the form and the registry, read once.
    With ``idempotency_key`` a retry returns the first case (``created=False``), as it now stands.
    ``expedited`` (加急) runs the case against the item's expedited limit, where the item offers
    one; ``elder_help`` (敬老 one-to-one help at the window) is recorded by a clerk at intake.
    ``rate_limited`` counts the submission against the account's hourly limit (the API and the
    citizen's pages): a replay of an idempotency key returns before it is counted.

    A refusal (``decision`` refuse) checks neither the form nor the eligibility rules: it needs
    only its reason, and keeps the answers given to the form's own questions.

    Raises Invalid (bad form, not eligible, channel, unknown person, no reason to refuse),
    Forbidden (role), NotFound (item), TooMany (``rate_limited``), Conflict (key reused for a
    different request; with a decision: materials missing, commitment not allowed), CalendarMissing.
    """
    from tongban.registry.selectors import registry_supply_many

    role = _role(actor)
    on_file, outlet, channel = _applicant(actor=actor, role=role, id_number=id_number, channel=channel)
    person = on_file.person
    item = item_spec(code=item_code)
    if channel not in item.channels:
        raise Invalid(_channel_refused(channel, item.channels), code="channel")
    flags = _flags(item=item, role=role, expedited=expedited, elder_help=elder_help)
    refusing = decision is not None and decision.kind == "refuse"
    if refusing:
        # 不予受理 needs its reason only: the application's answers are checked when a case is
        # accepted, never to refuse one (an application may be refused for being incomplete).
        # What was answered to the form's own questions is kept with the case, unchecked.
        if decision is None or not decision.reason.strip():
            raise Invalid(gettext("请填写理由"), code="reason_required", field="reason")
        props = (item.form_schema or {}).get("properties") or {}
        form = {k: v for k, v in form.items() if k in props}
    limit = item.expedited if expedited and item.expedited is not None else item.promised_limit
    presented_codes = sorted({str(c) for c in presented})
    body = {"item": item.code, "form": form, "id": person.id_number, "channel": channel, "presented": presented_codes}
    digest = body_hash({**body, **flags})
    if idempotency_key:
        # A retry gets its first case, even when the checks below would now refuse the body.
        replay = _replay(user=actor, key=idempotency_key, digest=digest)
        if replay is not None:
            return replay
    if rate_limited:
        submit_rate_limit(who=actor.pk, at=now)
    if item.eligibility:
        from tongban.catalog.selectors import spec_sources

        sources = sorted(spec_sources(item))
    else:
        sources = [m.source for m in item.materials if m.source]
    supplied = registry_supply_many(sources=sources, id_number=person.id_number, at=now, on_file=on_file)
    pending = (
        []
        if refusing
        else _check(
            item=item, form=form, id_number=person.id_number, supplied=supplied, now=now, presented=set(presented_codes)
        )
    )
    submit_check(item=item, person=person, role=role, outlet=outlet)
    if decision is not None and decision.kind != "refuse":
        accept_check(item=item, actor=actor)
    materials = materials_resolve(
        item=item, id_number=person.id_number, at=now, presented=set(presented_codes), supplied=supplied
    )
    region, handling = _route(item=item, person=person, outlet=outlet)
    number = case_number_allocate(region_code=outlet.region_code if outlet else region, at=now)
    case = Case(
        number=number,
        item_code=item.code,
        item_version=item.version,
        item_name=item.name_zh[:120],
        department=item.department,
        status=Status.SUBMITTED,
        channel=channel,
        person=person,
        applicant_id=actor.pk if role in CITIZENS else getattr(getattr(person, "account", None), "pk", None),
        applicant_id_number=person.id_number,
        applicant_name=person.name,
        submitted_by_id=actor.pk,
        accepting_outlet=outlet,
        handling_outlet=handling,
        handling_region=region,
        form_data=form,
        submitted_at=now,
        updated_at=now,
        limit_value=limit.value,
        limit_unit=limit.unit,
        expedited=expedited,
        elder_help=elder_help,
    )
    rows = [_material_row(case, m, now, (files or {}).get(m.code, "")) for m in materials]
    rows_mark_pending(rows, pending)
    first = CaseEvent(
        case=case,
        from_status="",
        to_status=Status.SUBMITTED,
        actor_id=actor.pk,
        actor_label=_label(actor),
        role=role,
        outlet=outlet,
        at=now,
        data={"channel": channel, "item_version": item.version, **flags},
    )
    events, entries = [first], [_submitted_entry(case, item, materials, flags)]
    if decision is not None:
        event, entry = _decide(case, rows, decision=decision, item=item, actor=actor, now=now)
        events.append(event)
        entries.append(entry)
    try:
        with transaction.atomic():
            case.save(force_insert=True)
            CaseMaterial.objects.bulk_create(rows)
            CaseEvent.objects.bulk_create(events)
            if idempotency_key:
                # A concurrent duplicate waits on the key's unique index until this commits, then
                # fails here, rolls back its own rows and replays this case (below).
                SubmitKey.objects.create(
                    user_id=actor.pk, key=idempotency_key, body_hash=digest, case=case, created_at=now
                )
            for entry in entries:
                audit_record(object_type="case", object_id=number, at=now, actor=actor, **entry)
            for event in events[1:]:
                case_event_notify(case, event)  # e.g. refused at the window: the reason, in the inbox
            photos = [(m.reference, number) for m in materials if m.state == MaterialState.PHOTO]
            if photos:
                transaction.on_commit(lambda: _photo_use(photos, now))
    except IntegrityError:
        replay = _replay(user=actor, key=idempotency_key, digest=digest) if idempotency_key else None
        if replay is None:
            raise
        return replay
    return Submitted(instant_complete(case=case, item=item, now=now), True, rows, events)


def _flags(*, item: Any, role: str, expedited: bool, elder_help: bool) -> dict[str, bool]:
    """The service flags asked for, checked against the item and the role: the ones set, for the
    history row and the audit entry. Raises Invalid (the item offers no 加急), Forbidden (敬老
    help is recorded by window staff only)."""
    if expedited and item.expedited is None:
        raise Invalid(gettext("该事项不提供加急办理"), code="no_expedited")
    if elder_help and role not in STAFF_SUBMIT:
        raise Forbidden(gettext("敬老帮办由窗口工作人员登记"))
    return {k: True for k, v in (("expedited", expedited), ("elder_help", elder_help)) if v}


def _submitted_entry(case: Case, item: Any, materials: list[MaterialView], flags: dict[str, bool]) -> dict[str, Any]:
    return {
        "action": "case.submit",
        "data": {
            "item": f"{item.code}@{item.version}",
            "channel": case.channel,
            "handling_region": case.handling_region,
            "materials": {m.code: m.state for m in materials},
            **flags,
        },
    }


def _decide(
    case: Case, rows: list[CaseMaterial], *, decision: Decision, item: Any, actor: Viewer, now: dt.datetime
) -> tuple[CaseEvent, dict[str, Any]]:
    """A clerk's decision on the new case, in memory: its history row and audit entry, as
    ``case_transition`` makes them for a stored case."""
    if decision.kind == "refuse":
        event, _update = _move(case, target=Status.REFUSED_AT_INTAKE, actor=actor, now=now, reason=decision.reason)
        data = {"from": Status.SUBMITTED, "to": Status.REFUSED_AT_INTAKE, "reason": decision.reason.strip()[:500]}
        return event, {"action": f"case.{Status.REFUSED_AT_INTAKE}", "data": data}
    event, _update = _move(case, target=Status.ACCEPTED, actor=actor, now=now)  # checks the role first
    cal = calendar_get()
    accepted, _changed, _more = _acceptance(
        case, rows, item=item, presented=(), commitment=decision.kind == "commitment", now=now, cal=cal
    )
    event.data = accepted
    return event, {"action": "case.accepted", "data": _accepted_entry(case, accepted)}


def _material_row(case: Case, m: MaterialView, now: dt.datetime, file: str = "") -> CaseMaterial:
    return CaseMaterial(
        case=case,
        code=m.code,
        name_zh=m.name_zh[:120],
        required=m.required,
        state=m.state,
        source=m.source,
        provenance=m.provenance[:200],
        fetched_at=m.fetched_at,
        reference=m.reference[:200],
        facts=m.facts or {},
        file=file[:200],
        updated_at=now,
    )


def _photo_use(uses: list[tuple[str, str]], now: dt.datetime) -> None:
    _latest, record = photo_api()
    if record is None:
        return
    for derivative_id, number in uses:
        try:
            record(
                derivative_id=int(derivative_id) if derivative_id.isdigit() else derivative_id,
                case_number=number,
                at=now,
            )
        except Exception:  # a photo-use record must not undo a committed case; it is logged
            log.exception("photo use record failed for case %s", number)


def _channel_refused(channel: str, offered: Iterable[str]) -> str:
    """Why an item refuses an application through ``channel``, naming the channels it offers (the
    guide's words: 网上办, 窗口办...)."""

    def label(code: str) -> str:
        return str(CHANNEL_LABELS.get(code, code))

    return gettext("该事项不支持%(channel)s，请改用：%(offered)s。") % {
        "channel": label(channel),
        "offered": join_list(label(c) for c in offered),
    }
