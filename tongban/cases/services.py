"""Case writes: submit, accept, every other move, materials handed in later, results, the sweep.

Each public service is one transaction with one audit row; side effects (photo-use records,
result issuing) run after commit. Time is a parameter (``now``); the working-day calendar comes
from ``tongban.workdays``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils.translation import gettext

from tongban.audit.services import AuditAppend, audit_append_sql, audit_record
from tongban.cases.machine import CLOCK_RUNS, SYSTEM, TERMINAL, move_for
from tongban.cases.models import Case, CaseEvent, CaseMaterial, Channel, MaterialState, Status, SubmitKey
from tongban.cases.notices import case_event_notify, cases_overdue_notify
from tongban.cases.schemas import MaterialView
from tongban.cases.selectors import (
    item_spec,
    material_names,
    materials_resolve,
    photo_api,
)
from tongban.cases.verification import approval_gate, not_eligible_message, rows_mark_pending, set_aside
from tongban.common.access import access_get
from tongban.common.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from tongban.common.lookups import Lookup, forget_all
from tongban.common.masking import mask_text
from tongban.common.roles import Role
from tongban.workdays.calendar import SHANGHAI, add_working_days, clock_remaining, clock_resume, deadline_add
from tongban.workdays.selectors import calendar_get

log = logging.getLogger(__name__)

STAFF_SUBMIT = frozenset({Role.CLERK, Role.APPROVER, Role.ADMIN})
CITIZENS = frozenset({Role.CITIZEN, Role.ENTERPRISE})


# --- numbers ------------------------------------------------------------------------------------


def case_number_allocate(*, region_code: str, at: dt.datetime) -> str:
    """The next case number for a region and local date: ``330106-20260310-000042``.

    One statement increments the scope's counter row and returns the new value
    (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``), so concurrent callers on PostgreSQL
    queue on the row lock and SQLite serialises them (IMMEDIATE transactions): never a duplicate.

    Called outside any transaction on PostgreSQL (``case_submit`` does so), the statement is its
    own transaction and commits without waiting for the WAL flush, so the row every submitter of
    the scope shares is locked for microseconds rather than across the case's whole transaction
    and its commit. That is safe: the case's own (synchronous) commit flushes the WAL past the
    counter's, so a number a committed case carries is never handed out again, even after a
    crash; a case whose transaction fails leaves a gap (docs/adr/0003). Inside a caller's
    transaction (and on SQLite) the increment is part of that transaction and shares its fate.
    """
    day = at.astimezone(SHANGHAI).date()
    region = (region_code or "000000")[:6].ljust(6, "0")
    scope = f"{region}{day:%Y%m%d}"
    with connection.cursor() as cursor:
        cursor.execute(_COUNTER_ASYNC if _counter_on_its_own() else _COUNTER, [scope])
        row = cursor.fetchone()
    if row is None:  # RETURNING always yields the row; anything else is a database fault
        raise RuntimeError(f"case counter {scope} returned no row")
    return f"{region}-{day:%Y%m%d}-{int(row[0]):06d}"


def _counter_on_its_own() -> bool:
    """Whether a number drawn now is its own transaction (PostgreSQL, no caller's transaction)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


_COUNTER = (
    "INSERT INTO cases_casecounter (scope, n) VALUES (%s, 1) "
    "ON CONFLICT (scope) DO UPDATE SET n = cases_casecounter.n + 1 RETURNING n"
)
# The same upsert as one autocommitted statement whose commit does not wait for the WAL flush
# (set_config(..., true) lasts until the end of this statement's own transaction).
_COUNTER_ASYNC = (
    "INSERT INTO cases_casecounter (scope, n) "
    "SELECT %s, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS local_setting "
    "ON CONFLICT (scope) DO UPDATE SET n = cases_casecounter.n + 1 RETURNING n"
)


# --- helpers ------------------------------------------------------------------------------------

_INSERTS: dict[tuple[str, type[models.Model], int], str] = {}


def _insert(objs: Sequence[models.Model]) -> None:
    """INSERT new rows of one model in one statement, as ``bulk_create`` does, minus the compiling.

    A submission writes four rows and building each INSERT through the query compiler cost more
    CPU than running it (docs/adr/0003). So the statement is made once per model, row count and
    database from the model's concrete fields; each value goes through the field's ``pre_save``
    and ``get_db_prep_save`` as in the ORM's own insert, and the new keys are set on the objects.
    No model signals are sent (nothing in tongban listens to them).
    """
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    if not connection.features.can_return_rows_from_bulk_insert:  # older SQLite: the ORM way
        model._default_manager.bulk_create(objs)
        return
    key = (connection.vendor, model, len(objs))
    sql = _INSERTS.get(key)
    if sql is None:
        # Names come from the model's own metadata; every value is a parameter.
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        rows = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(objs))
        table, pk = qn(meta.db_table), qn(meta.pk.column)
        sql = _INSERTS[key] = f"INSERT INTO {table} ({columns}) VALUES {rows} RETURNING {pk}"  # noqa: S608
    params = [v for obj in objs for v in _values(obj, fields)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    for obj, (pk,) in zip(objs, keys, strict=True):
        _saved(obj, pk)


def _values(obj: models.Model, fields: Sequence[models.Field[Any, Any]]) -> list[Any]:
    """``obj``'s values for an INSERT, through each field's ``pre_save`` and ``get_db_prep_save``."""
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _saved(obj: models.Model, pk: Any) -> None:
    """Mark ``obj`` as the stored row with key ``pk``, as the ORM does after an insert."""
    obj.pk = pk
    obj._state.adding, obj._state.db = False, connection.alias


# Field kinds a family statement writes from JSON (``jsonb_populate_record``): their values are
# JSON-native once prepared, and PostgreSQL reads them back into the column's own type.
_JSON_KINDS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateTimeField",
        "IntegerField",
        "JSONField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallAutoField",
        "SmallIntegerField",
        "TextField",
    }
)
_PLAIN: dict[str, type | tuple[type, ...]] = {"CharField": str, "TextField": str, "BooleanField": bool}


@dataclass(frozen=True)
class _Column:
    """How one field's value goes into a family statement's JSON row."""

    field: models.Field[Any, Any]
    column: str
    kind: str  # "when" (a timestamp), "json" (a JSONField: the value as it is), or "plain"
    plain: type | tuple[type, ...] = object  # a plain value of this type needs no preparing

    def value(self, obj: models.Model) -> Any:
        f = self.field
        if self.kind == "when":
            v = f.pre_save(obj, True)  # auto_now and auto_now_add, as the ORM's insert
            if v is None:
                return None
            if not (isinstance(v, dt.datetime) and v.tzinfo is not None):
                v = f.get_prep_value(v)  # parses, and makes a naive time aware (with Django's warning)
            return v.isoformat()
        v = getattr(obj, f.attname)
        if v is None or self.kind == "json":
            return v
        if isinstance(v, self.plain) and (self.plain is bool or not isinstance(v, bool)):
            return v
        return f.get_prep_value(v)  # what the ORM would send: str() for text, int() for numbers


def _column(f: models.Field[Any, Any]) -> _Column:
    kind = f.target_field.get_internal_type() if f.is_relation else f.get_internal_type()  # type: ignore[attr-defined]
    if kind not in _JSON_KINDS or (kind == "JSONField" and getattr(f, "encoder", None) is not None):
        owner = getattr(getattr(f, "model", None), "__name__", "?")
        raise TypeError(f"_insert_family cannot write {owner}.{f.name} ({kind})")
    if kind == "DateTimeField":
        return _Column(f, f.column, "when")
    if kind == "JSONField":
        return _Column(f, f.column, "json")
    return _Column(f, f.column, "plain", _PLAIN.get(kind, int))


@dataclass(frozen=True)
class _Family:
    """How one shape of parent and children is written: each child model's foreign key to the
    parent and its other fields, and (PostgreSQL) the statement and the JSON columns."""

    parent_fields: list[models.Field[Any, Any]]
    links: list[tuple[models.Field[Any, Any], list[models.Field[Any, Any]]]]
    sql: str
    parent_columns: list[_Column]
    child_columns: list[list[_Column]]


_FAMILIES: dict[tuple[Any, ...], _Family] = {}


def _family(parent: type[models.Model], groups: list[list[models.Model]], audit: AuditAppend | None) -> _Family:
    pmeta = parent._meta
    pfields = [f for f in pmeta.concrete_fields if not f.primary_key]
    links = []
    for group in groups:
        meta = type(group[0])._meta
        fk = next(f for f in meta.concrete_fields if f.is_relation and f.related_model is parent)
        links.append((fk, [f for f in meta.concrete_fields if not f.primary_key and f is not fk]))
    if connection.vendor != "postgresql":
        return _Family(pfields, links, "", [], [])
    # Names come from the models' own metadata; each model's rows are one JSON parameter, read
    # into the table's own row type (``jsonb_populate_record``): a value too long for its column
    # is refused, not cut, and the statement keeps a handful of parameters whatever the row count.
    qn = connection.ops.quote_name
    ppk = qn(pmeta.pk.column)
    ptable = qn(pmeta.db_table)
    gate = f", {audit.gate}" if audit is not None else ""
    parts = [audit.head] if audit is not None else []
    parts.append(
        f"p AS (INSERT INTO {ptable} ({', '.join(qn(f.column) for f in pfields)}) "  # noqa: S608
        f"SELECT {', '.join('r.' + qn(f.column) for f in pfields)} "
        f"FROM jsonb_populate_record(NULL::{ptable}, %s::jsonb) r{gate} RETURNING {ppk})"
    )
    picks = [f"SELECT 0, 0, {ppk} FROM p"]  # noqa: S608
    for i, (group, (fk, fields)) in enumerate(zip(groups, links, strict=True), start=1):
        meta = type(group[0])._meta
        table, pk = qn(meta.db_table), qn(meta.pk.column)
        parts.append(
            f"c{i} AS (INSERT INTO {table} ({qn(fk.column)}, {', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
            f"SELECT p.{ppk}, {', '.join('r.' + qn(f.column) for f in fields)} FROM p, "
            f"jsonb_populate_recordset(NULL::{table}, %s::jsonb) WITH ORDINALITY r ORDER BY r.ordinality "
            f"RETURNING {pk})"
        )
        picks.append(f"SELECT {i}, row_number() OVER (), {pk} FROM c{i}")  # noqa: S608
    if audit is not None:
        parts.append(audit.tail)
        picks.append(f"SELECT {len(groups) + 1}, 0, id FROM {audit.added}")  # noqa: S608
    sql = "WITH " + ", ".join(parts) + " " + " UNION ALL ".join(picks) + " ORDER BY 1, 2"
    return _Family(pfields, links, sql, [_column(f) for f in pfields], [[_column(f) for f in fs] for _, fs in links])


def _insert_family(
    parent: models.Model, children: Sequence[Sequence[models.Model]], *, audit: AuditAppend | None = None
) -> bool:
    """INSERT ``parent`` and rows that reference it (each child model has one foreign key to the
    parent's model), and set every new key, as ``_insert`` does for each list in turn.

    On PostgreSQL it is one statement (data-modifying CTEs: the parent's INSERT returns its key
    and the children's INSERTs read it, in the children's order), so a submission's case,
    materials, first event and idempotency key cost one round trip instead of four. With
    ``audit`` (``audit_append_sql``) the audit entry is part of the same statement: then nothing
    is written while every audit chain is busy, and False says so (the caller falls back to its
    own transaction). Elsewhere (SQLite, in process) it is ``_insert`` per model, and ``audit``
    must be None. True when the rows were written.
    """
    groups = [list(g) for g in children if g]
    key = (connection.vendor, type(parent), audit is not None, *(type(g[0]) for g in groups))
    plan = _FAMILIES.get(key)
    if plan is None:
        plan = _FAMILIES[key] = _family(type(parent), groups, audit)
    if not plan.sql:
        if audit is not None:
            raise ValueError("an audit entry joins the statement on PostgreSQL only")
        _insert([parent])
    else:
        params: list[Any] = list(audit.head_params) if audit is not None else []
        params.append(json.dumps({c.column: c.value(parent) for c in plan.parent_columns}))
        for group, columns in zip(groups, plan.child_columns, strict=True):
            params.append(json.dumps([{c.column: c.value(obj) for c in columns} for obj in group]))
        if audit is not None:
            params += audit.tail_params
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            keys = cursor.fetchall()
        if not keys and audit is not None:
            return False  # no free audit chain head: nothing was written
        objs = [parent, *(o for g in groups for o in g)]
        if len(keys) != len(objs) + (audit is not None):
            raise RuntimeError(f"inserted {len(keys)} rows for {len(objs)} objects")
        for obj, (_g, _n, pk) in zip(objs, keys, strict=False):
            _saved(obj, pk)
    for group, (fk, _fields) in zip(groups, plan.links, strict=True):
        for obj in group:
            setattr(obj, fk.attname, parent.pk)
        if not plan.sql:
            _insert(group)
    return True


def _role(actor: Any) -> str:
    return SYSTEM if actor is None else str(getattr(actor, "role", ""))


def _label(actor: Any) -> str:
    return "system" if actor is None else mask_text(str(actor))[:80]


def body_hash(payload: dict[str, Any]) -> str:
    """A stable digest of a submission, to tell a retry from a different request under one key."""
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _route(*, item: Any, person: Any, outlet: Any) -> tuple[str, Any]:
    """代收代办: which region's authority handles the case, and its outlet if one can be named.

    户政 items are handled where the applicant's 户籍 is (户籍地); the others where they are
    accepted (online: the applicant's 户籍地 too).
    """
    hukou = getattr(person, "hukou_region", "") or ""
    if item.department == "huzheng" or outlet is None:
        region = hukou or (outlet.region_code if outlet is not None else "")
    else:
        region = outlet.region_code
    if outlet is not None and outlet.region_code == region:
        return region, outlet
    return region, _ROUTES.get(
        (connection.alias, item.code, region), lambda: _handling_outlet(item_code=item.code, region=region)
    )


# The handling outlet by (item, region), asked on every submission that is not handled where it
# was accepted: kept a few seconds, "no outlet" too (tongban.common.lookups; the outlets services
# make this process forget at once). The outlet is shared between requests, never written.
_ROUTES = Lookup[Any]("cases.routes", misses=True)


def _handling_outlet(*, item_code: str, region: str) -> Any:
    """The first outlet of ``region`` that accepts the item, by the outlets module's own query,
    with the fields a case shows loaded (the others deferred)."""
    from tongban.outlets.selectors import outlets_for_item

    return outlets_for_item(item_code=item_code).filter(region_code=region).only("code", "name", "region_code").first()


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


@dataclass(frozen=True)
class Submitted:
    """The result of a submission: the case, and whether this call created it (False on a replay)."""

    case: Case
    created: bool
    materials: list[CaseMaterial] | None = None  # what was written (a fresh submission only)
    events: list[CaseEvent] | None = None


def _replay(*, user: Any, key: str, digest: str) -> Submitted | None:
    """The case a key was first used for (None when the key is new); Conflict for another body."""
    with connection.cursor() as cursor:  # on every keyed submission: plain SQL, no query compiling
        cursor.execute("SELECT body_hash, case_id FROM cases_submitkey WHERE user_id = %s AND key = %s", [user.pk, key])
        found = cursor.fetchone()
    if found is None or found[1] is None:
        return None
    if found[0] != digest:
        raise Conflict(
            "同一幂等键已用于另一份申请 / This Idempotency-Key was already used for a different request",
            code="idempotency_key_reused",
        )
    return Submitted(Case.objects.get(pk=found[1]), False)


# --- submit -------------------------------------------------------------------------------------


def _check_form(
    *,
    item: Any,
    form: dict[str, Any],
    person: Any,
    now: dt.datetime,
    presented: frozenset[str] | set[str] = frozenset(),
) -> list[str]:
    """The form against the item's JSON Schema, then the item's eligibility rules. Returns the
    uploaded materials that stand in for a missing registry record (to be verified by staff,
    tongban.cases.verification). Raises Invalid."""
    errors = _form_errors(item.form_schema, form)
    if errors:
        raise Invalid("申请表填写有误 / The form has errors", code="form_invalid", errors=errors)
    if item.eligibility:
        from tongban.catalog.selectors import item_check_for

        check = item_check_for(spec=item, id_number=person.id_number, form=form, at=now, person=person)
        failures, pending = set_aside(item, check["failures"], presented)
        if failures:
            raise Invalid(not_eligible_message(failures), code="not_eligible", failures=failures)
        return pending
    return []


def case_submit(
    *,
    actor: Any,
    item_code: str,
    form: dict[str, Any],
    channel: str,
    now: dt.datetime,
    id_number: str | None = None,
    presented: Iterable[str] = (),
    files: dict[str, str] | None = None,
    idempotency_key: str | None = None,
) -> Submitted:
    """File an application (status ``submitted``) under the item's current version.

    A citizen applies for themself; staff (a clerk at their outlet) for the person whose
    ``id_number`` they give. Materials a registry source holds are attached with provenance, a
    valid photo from the photo library is reused, ``presented`` materials are marked as handed in.
    With ``idempotency_key`` a retry returns the first case (``created=False``).

    The item's eligibility rules (catalog) are checked against the form and the registry.

    Raises Invalid (bad form, not eligible, channel, unknown person), Forbidden (role),
    NotFound (item), Conflict (key reused for a different request).
    """
    from tongban.registry.selectors import person_for_sources

    role = _role(actor)
    if role in CITIZENS:
        person = None
        if getattr(actor, "person_id", None) is not None:
            person = person_for_sources(pk=actor.person_id)
        if person is None:
            raise Invalid(
                "您的账号尚未关联户籍/居住信息 / Your account is not linked to a registry record", code="no_person"
            )
        if id_number and id_number != person.id_number:
            raise Forbidden("只能为本人申请 / You can only apply for yourself", code="not_self")
        outlet = None
        if channel not in (Channel.ONLINE, Channel.PHONE, Channel.KIOSK):
            raise Invalid("群众只能网上或自助申请 / Citizens apply online, by phone or at a kiosk", code="channel")
    elif role in STAFF_SUBMIT:
        if not id_number:
            raise Invalid(
                "请输入申请人身份证号码 / Give the applicant's ID number", code="id_number", field="id_number"
            )
        person = person_for_sources(id_number=id_number)
        if person is None:
            raise Invalid("共享库中没有此人 / No such person in the registry", code="no_person", field="id_number")
        outlet = getattr(actor, "outlet", None)
        if outlet is None:
            raise Forbidden(
                "只有网点工作人员可以代为申请 / Only staff at an outlet can file for someone", code="no_outlet"
            )
        channel = Channel.WINDOW if channel == Channel.ONLINE else channel
    else:
        raise Forbidden("该角色不能提交申请 / This role cannot submit applications")

    item = item_spec(code=item_code)
    if channel not in item.channels:
        raise Invalid(f"该事项不支持此渠道 / {item.name_en} cannot be applied for via {channel}", code="channel")
    presented_codes = sorted({str(c) for c in presented})
    digest = body_hash(
        {"item": item.code, "form": form, "id": person.id_number, "channel": channel, "presented": presented_codes}
    )
    # A key used before is found by its unique index when this submission's rows are written (a
    # retry then returns the first case, below), not by a read ahead of every submission; a retry
    # that the checks now refuse still gets the first case, or the Conflict of a different body.
    try:
        pending = _check_form(item=item, form=form, person=person, now=now, presented=set(presented_codes))
    except DomainError:
        replay = _replay(user=actor, key=idempotency_key, digest=digest) if idempotency_key else None
        if replay is None:
            raise
        return replay
    materials = materials_resolve(
        item=item, id_number=person.id_number, at=now, presented=set(presented_codes), person=person
    )
    region, handling = _route(item=item, person=person, outlet=outlet)
    # On PostgreSQL the number is drawn before the case's transaction, so the shared counter row
    # is locked for its own statement only, not until this case commits (case_number_allocate);
    # elsewhere (SQLite, a caller's transaction) inside it, so a failed case gives its number back.
    scope_region = outlet.region_code if outlet else region
    own = _counter_on_its_own()
    number = case_number_allocate(region_code=scope_region, at=now) if own else ""
    try:
        # On PostgreSQL outside a caller's transaction the rows and the audit entry are one
        # autocommitted statement (below): no BEGIN and COMMIT of our own around it.
        with contextlib.nullcontext() if own else transaction.atomic():
            number = number or case_number_allocate(region_code=scope_region, at=now)
            case = Case(
                number=number,
                item_code=item.code,
                item_version=item.version,
                item_name=item.name_zh[:120],
                department=item.department,
                status=Status.SUBMITTED,
                channel=channel,
                person=person,
                applicant=actor if role in CITIZENS else getattr(person, "account", None),
                applicant_id_number=person.id_number,
                applicant_name=person.name,
                submitted_by=actor,
                accepting_outlet=outlet,
                handling_outlet=handling,
                handling_region=region,
                form_data=form,
                submitted_at=now,
                updated_at=now,
                limit_value=item.promised_limit.value,
                limit_unit=item.promised_limit.unit,
            )
            rows = [_material_row(case, m, now, (files or {}).get(m.code, "")) for m in materials]
            rows_mark_pending(rows, pending)
            first = CaseEvent(
                case=case,
                from_status="",
                to_status=Status.SUBMITTED,
                actor=actor,
                actor_label=_label(actor),
                role=role,
                outlet=outlet,
                at=now,
                data={"channel": channel, "item_version": item.version},
            )
            # With a key, a concurrent duplicate waits on its unique index until this commits,
            # then fails, rolls back its own rows and replays this case (below).
            keys = (
                [SubmitKey(user=actor, key=idempotency_key, body_hash=digest, case=case, created_at=now)]
                if idempotency_key
                else []
            )
            entry: dict[str, Any] = {
                "action": "case.submit",
                "object_type": "case",
                "object_id": number,
                "at": now,
                "actor": actor,
                "data": {
                    "item": f"{item.code}@{item.version}",
                    "channel": channel,
                    "handling_region": region,
                    "materials": {m.code: m.state for m in materials},
                },
            }
            family: list[Sequence[models.Model]] = [rows, [first], keys]
            # PostgreSQL: rows and audit entry in one statement; with every audit chain busy it
            # writes nothing, and the rows go the transactional way, as everywhere on SQLite.
            append = audit_append_sql(**entry)
            if append is None or not _insert_family(case, family, audit=append):
                with transaction.atomic(savepoint=False):
                    _insert_family(case, family)
                    audit_record(**entry)
            photos = [(m.reference, number) for m in materials if m.state == MaterialState.PHOTO]
            if photos:
                transaction.on_commit(lambda: _photo_use(photos, now))
    except IntegrityError:
        replay = _replay(user=actor, key=idempotency_key, digest=digest) if idempotency_key else None
        if replay is None:
            # Not a used key: a kept handling outlet may have been deleted since (an outlet with no
            # case can be): forget what this process keeps, so that the next submission reads anew.
            forget_all()
            raise
        return replay
    return Submitted(case, True, rows, [first])


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


# --- moves --------------------------------------------------------------------------------------


def _locked(*, number: str, actor: Any) -> Case:
    qs = Case.objects.select_for_update()
    if actor is None:
        try:
            return qs.get(number=number)
        except Case.DoesNotExist:
            raise NotFound("未找到该办件 / No such case") from None
    return access_get(actor, qs, number=number)


def _apply(
    case: Case, *, target: str, actor: Any, now: dt.datetime, reason: str = "", data: dict[str, Any] | None = None
) -> CaseEvent:
    """Check the move against the table and the actor's role, then record it (caller holds the lock)."""
    role = _role(actor)
    source = case.status
    move = move_for(source, target)
    if move is None:
        raise Conflict(
            f"办件 {case.number} 当前为「{Status(source).label}」，不能变为「{_label_of(target)}」 / "
            f"Case {case.number} cannot move from {source} to {target}",
            code="illegal_transition",
            status_from=source,
            status_to=target,
        )
    if role not in move.roles and not (actor is not None and getattr(actor, "role", "") == Role.ADMIN):
        raise Forbidden(
            f"角色 {role} 不能执行此操作 / Role {role} may not move a case to {target}", code="role_not_allowed"
        )
    approval_gate(case, target)  # an upload standing in for a registry record is verified first
    reason = reason.strip()
    if move.reason and not reason:
        raise Invalid("请填写理由 / A reason is required", code="reason_required", field="reason")
    if target == Status.REVOKED and not case.under_commitment:
        raise Conflict(
            "只有告知承诺受理的办件可因承诺不实撤销 / Only cases accepted under commitment can be revoked",
            code="not_under_commitment",
        )
    cal = None
    update = ["status", "updated_at", "reason"]
    if target == Status.SUPPLEMENT_REQUESTED and case.deadline_at is not None:
        cal = calendar_get()
        case.clock_remaining = clock_remaining(cal, now, case.deadline_at, case.limit_unit)
        case.clock_stopped_at, case.deadline_at = now, None
        update += ["clock_remaining", "clock_stopped_at", "deadline_at"]
    elif source == Status.SUPPLEMENT_REQUESTED and case.clock_remaining is not None and target == Status.RESUBMITTED:
        cal = calendar_get()
        case.deadline_at = clock_resume(cal, now, case.clock_remaining, case.limit_unit)
        case.clock_remaining, case.clock_stopped_at = None, None
        update += ["clock_remaining", "clock_stopped_at", "deadline_at"]
    if target in (Status.APPROVED, Status.DENIED):
        case.decided_at = now
        update.append("decided_at")
    if target in TERMINAL:
        case.closed_at = now
        update.append("closed_at")
    if target == Status.ACCEPTED:
        case.accepted_at = now
        update.append("accepted_at")
    case.status, case.updated_at, case.reason = target, now, reason
    case.save(update_fields=update)
    outlet = getattr(actor, "outlet", None) if actor is not None else None
    event = CaseEvent.objects.create(
        case=case,
        from_status=source,
        to_status=target,
        actor=actor,
        actor_label=_label(actor),
        role=role,
        outlet=outlet,
        at=now,
        reason=reason,
        data=data or {},
    )
    if target == Status.APPROVED:
        number = case.number
        transaction.on_commit(lambda: _enqueue_result(number))
    case_event_notify(case, event)  # tells the applicant when the move concerns them
    return event


def _label_of(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status


def _enqueue_result(number: str) -> None:
    from tongban.cases.tasks import case_result_task

    case_result_task.enqueue(number)


def case_transition(
    *,
    number: str,
    to: str,
    actor: Any,
    now: dt.datetime,
    reason: str = "",
    data: dict[str, Any] | None = None,
    materials: Iterable[str] = (),
) -> Case:
    """Move a case along the state machine (locks the row; one history row, one audit row).

    ``actor`` None is the system. Acceptance goes through ``case_accept`` (materials and
    deadline). With a supplement request, ``materials`` names the materials to hand in again
    (they become missing, and the applicant's resubmission needs them). Raises NotFound (no such
    case or out of the actor's scope), Conflict (illegal move, stale state), Forbidden (role),
    Invalid (missing reason, unknown material), CalendarMissing.
    """
    if to == Status.ACCEPTED:
        return case_accept(number=number, actor=actor, now=now)
    with transaction.atomic():
        case = _locked(number=number, actor=actor)
        source = case.status
        if (
            _role(actor) == Role.APPROVER
            and to in (Status.APPROVED, Status.DENIED, Status.SUPPLEMENT_REQUESTED)
            and (source in (Status.ACCEPTED, Status.RESUBMITTED))
        ):
            # An approver deciding straight from the queue opens the review first: two moves, two rows.
            _apply(case, target=Status.IN_REVIEW, actor=actor, now=now)
        if to == Status.RESUBMITTED:
            missing = list(
                case.materials.filter(state=MaterialState.MISSING, required=True).values_list("code", flat=True)
            )
            if missing:
                raise Conflict(
                    gettext("仍缺少材料：%(names)s") % {"names": material_names(case, missing)},
                    code="materials_missing",
                    missing=missing,
                )
        _apply(case, target=to, actor=actor, now=now, reason=reason, data=data)
        wanted = sorted({str(c) for c in materials})
        if wanted:
            if to != Status.SUPPLEMENT_REQUESTED:
                raise Invalid("只有补正可以指定材料 / Only a supplement request names materials", code="materials")
            known = set(case.materials.filter(code__in=wanted).values_list("code", flat=True))
            if known != set(wanted):
                unknown = ", ".join(sorted(set(wanted) - known))
                raise Invalid(f"该办件没有材料 {unknown} / No such material: {unknown}", code="materials")
            case.materials.filter(code__in=wanted).update(state=MaterialState.MISSING, file="", updated_at=now)
        audit_record(
            action=f"case.{to}",
            object_type="case",
            object_id=case.number,
            at=now,
            actor=actor,
            data={
                "from": source,
                "to": to,
                "reason": reason.strip()[:500],
                **({"materials": wanted} if wanted else {}),
            },
        )
    return case


def case_accept(
    *, number: str, actor: Any, now: dt.datetime, commitment: bool = False, presented: Iterable[str] = ()
) -> Case:
    """受理: accept a submitted case and start its deadline (the item's promised limit).

    Materials in ``presented`` are marked handed in. With missing required materials the case
    is accepted only under 告知承诺 (``commitment``; the item must allow it): the missing ones are
    promised, due ``supplement_days`` working days later. Raises NotFound, Conflict (state,
    materials missing, commitment not allowed), Forbidden, CalendarMissing.
    """
    with transaction.atomic():
        case = _locked(number=number, actor=actor)
        if case.status != Status.SUBMITTED:
            _apply(case, target=Status.ACCEPTED, actor=actor, now=now)  # raises the illegal-move Conflict
        item = item_spec(code=case.item_code, version=case.item_version)
        codes = {str(c) for c in presented}
        if codes:
            case.materials.filter(code__in=codes, state__in=[MaterialState.MISSING, MaterialState.PROMISED]).update(
                state=MaterialState.PRESENTED, updated_at=now
            )
        missing = list(case.materials.filter(state=MaterialState.MISSING, required=True).values_list("code", flat=True))
        cal = calendar_get()
        data: dict[str, Any] = {}
        if missing:
            if not commitment:
                raise Conflict(
                    gettext("材料不齐，不能受理，缺少：%(names)s") % {"names": material_names(case, missing)},
                    code="materials_missing",
                    missing=missing,
                )
            if not item.commitment.allowed or not item.commitment.supplement_days:
                raise Conflict(
                    "该事项不适用告知承诺 / This item cannot be accepted under commitment",
                    code="commitment_not_allowed",
                )
            case.under_commitment = True
            case.commitment_due_at = add_working_days(cal, now, item.commitment.supplement_days)
            case.materials.filter(code__in=missing).update(state=MaterialState.PROMISED, updated_at=now)
            data = {"commitment": True, "promised": missing, "due": case.commitment_due_at.isoformat()}
        case.deadline_at = deadline_add(cal, now, case.limit_value, case.limit_unit)
        case.save(update_fields=["under_commitment", "commitment_due_at", "deadline_at"])
        _apply(case, target=Status.ACCEPTED, actor=actor, now=now, data=data)
        audit_record(
            action="case.accepted",
            object_type="case",
            object_id=case.number,
            at=now,
            actor=actor,
            data={"deadline": case.deadline_at.isoformat(), **data},
        )
    return case


def case_refuse(*, number: str, actor: Any, now: dt.datetime, reason: str) -> Case:
    """不予受理 with a reason. Raises as ``case_transition``."""
    return case_transition(number=number, to=Status.REFUSED_AT_INTAKE, actor=actor, now=now, reason=reason)


def case_material_provide(*, number: str, code: str, actor: Any, now: dt.datetime, file: str = "") -> Case:
    """A material handed in later: answering a supplement request or keeping a 告知承诺 promise.

    When the last promised material arrives the commitment counts as fulfilled. Raises NotFound,
    Conflict (case closed, material already on file).
    """
    with transaction.atomic():
        case = _locked(number=number, actor=actor)
        if case.status in TERMINAL:
            raise Conflict("办件已结束 / The case is closed", code="case_closed")
        material = case.materials.filter(code=code).first()
        if material is None:
            raise NotFound(f"该办件没有材料 {code} / No material {code} on this case")
        if material.state not in (MaterialState.MISSING, MaterialState.PROMISED):
            raise Conflict("该材料已齐 / This material is already on file", code="material_on_file")
        was = material.state
        material.state, material.file, material.updated_at = MaterialState.PRESENTED, file[:200], now
        material.save(update_fields=["state", "file", "updated_at"])
        update = ["updated_at"]
        if case.under_commitment and not case.materials.filter(state=MaterialState.PROMISED).exists():
            case.commitment_fulfilled_at = now
            update.append("commitment_fulfilled_at")
        case.updated_at = now
        case.save(update_fields=update)
        audit_record(
            action="case.material",
            object_type="case",
            object_id=case.number,
            at=now,
            actor=actor,
            data={"material": code, "was": was, "fulfilled": bool(case.commitment_fulfilled_at)},
        )
    return case


def case_result_issue(*, number: str, now: dt.datetime) -> Case:
    """Issue the result of an approved case (system actor): an e-certificate through
    ``tongban.certificates`` for certificate items, then ``result_issued``; electronic results
    (certificates, notices) count as received at once (``completed``), a physical document waits
    for hand-over. Raises NotFound, Conflict (not approved).
    """
    with transaction.atomic():
        case = _locked(number=number, actor=None)
        if case.status != Status.APPROVED:
            raise Conflict(f"办件 {number} 未处于已批准状态 / Case {number} is not approved", code="not_approved")
        item = item_spec(code=case.item_code, version=case.item_version)
        data: dict[str, Any] = {"kind": item.result.kind}
        if item.result.kind == "certificate":
            from tongban.cases.results import certificate_facts
            from tongban.certificates.selectors import template_get
            from tongban.certificates.services import certificate_issue

            template = str(item.result.certificate_template)
            supplied: dict[str, Any] = {}
            for m in case.materials.exclude(facts={}):
                supplied.update(m.facts)
            facts = certificate_facts(
                keys=[f.key for f in template_get(code=template).facts],
                form=case.form_data,
                supplied=supplied,
                address=str(case.form_data.get("address") or supplied.get("address") or ""),
                at=now,
            )
            cert = certificate_issue(
                template=template,
                holder_id_number=case.applicant_id_number,
                holder_name=case.applicant_name,
                facts=facts,
                case_number=case.number,
                issued_at=now,
                actor=None,
                validity_days=item.result.validity_days,
                department=item.department,
            )
            case.result_reference = str(cert.number)[:40]
            case.save(update_fields=["result_reference"])
            data["certificate"] = case.result_reference
        _apply(case, target=Status.RESULT_ISSUED, actor=None, now=now, data=data)
        if item.result.kind in ("certificate", "notice"):
            _apply(case, target=Status.COMPLETED, actor=None, now=now, data={"electronic": True})
        audit_record(
            action="case.result_issued",
            object_type="case",
            object_id=case.number,
            at=now,
            actor=None,
            data={**data, "status": case.status},
        )
    return case


@dataclass(frozen=True)
class SweepReport:
    """Cases the sweep flagged: broken commitments to verify, and overdue cases."""

    verification_flagged: list[str]
    overdue_flagged: list[str]


def cases_sweep(*, now: dt.datetime, limit: int = 5000) -> SweepReport:
    """Flag 告知承诺 cases whose promised materials did not arrive in time (for verification and
    possibly revocation) and open cases past their deadline. Idempotent; one audit row per run
    that flags anything.
    """
    open_states = [s for s in Status.values if s not in TERMINAL]
    with transaction.atomic():
        broken = list(
            Case.objects.select_for_update()
            .filter(
                under_commitment=True,
                commitment_fulfilled_at__isnull=True,
                verification_flagged_at__isnull=True,
                commitment_due_at__lte=now,
                status__in=open_states,
            )
            .values_list("number", flat=True)[:limit]
        )
        late = list(
            Case.objects.select_for_update()
            .filter(
                Q(status__in=list(CLOCK_RUNS)) | Q(status=Status.SUBMITTED),
                deadline_at__lte=now,
                overdue_flagged_at__isnull=True,
            )
            .values_list("number", flat=True)[:limit]
        )
        if broken:
            Case.objects.filter(number__in=broken).update(verification_flagged_at=now, updated_at=now)
        if late:
            Case.objects.filter(number__in=late).update(overdue_flagged_at=now, updated_at=now)
            cases_overdue_notify(late, at=now)
        if broken or late:
            audit_record(
                action="case.sweep",
                object_type="case",
                object_id="sweep",
                at=now,
                actor=None,
                data={
                    "verification_flagged": broken[:200],
                    "overdue_flagged": late[:200],
                    "counts": [len(broken), len(late)],
                },
            )
    return SweepReport(broken, late)
