"""Demo cases in different states, so the approvers' queues and "my cases" show something.

Idempotent: every demo submission carries an idempotency key, a second run finds the cases and
moves nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongban.cases.selectors import item_spec
from tongban.cases.services import case_accept, case_submit, case_transition
from tongban.common.errors import DomainError

WEIANJU = "微安居"


def sample_form(schema: dict[str, Any], *, at: dt.datetime) -> dict[str, Any]:
    """A plausible answer to every required field of a form schema (demo data only)."""
    out: dict[str, Any] = {}
    props = schema.get("properties") or {}
    for name in schema.get("required", []):
        prop = props.get(name, {})
        kind = prop.get("type")
        if "enum" in prop:
            out[name] = prop["enum"][0]
        elif "default" in prop:
            out[name] = prop["default"]
        elif kind == "integer" or kind == "number":
            lo, hi = prop.get("minimum", 0), prop.get("maximum", 10**6)
            out[name] = min(max(12, lo), hi)
        elif kind == "boolean":
            out[name] = True
        elif prop.get("format") == "date":
            out[name] = at.date().isoformat()
        else:
            out[name] = "演示"[: prop.get("maxLength", 40)]
    return out


def _users() -> dict[str, Any]:
    from tongban.accounts.models import User

    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["clerk", "approver-huzheng", "approver-zhian", "approver-churujing", "approver-jiaoguan"]
        )
    }
    citizens = list(
        User.objects.filter(role="citizen", person__isnull=False).select_related("person").order_by("pk")[:2]
    )
    if citizens:
        users["citizen"] = citizens[0]
    return users


def demo_load(*, now: dt.datetime, stdout: Any) -> None:
    """Create the demo cases that do not exist yet (needs the demo accounts and catalog)."""
    from tongban.registry.selectors import walk_in_candidate

    users = _users()
    citizen = users.get("citizen")
    if citizen is None:
        stdout.write("cases: no demo citizen yet, skipped")
        return
    made = 0
    start = now - dt.timedelta(days=3)

    def online(key: str, code: str, at: dt.datetime) -> Any:
        item = item_spec(code=code)
        presented = [m.code for m in item.materials if m.source is None]
        r = case_submit(
            actor=citizen,
            item_code=code,
            form=sample_form(item.form_schema, at=at),
            channel="online",
            now=at,
            presented=presented,
            idempotency_key=f"demo:{key}",
            expedited=key.endswith("-expedited"),  # 加急: the item's expedited limit
        )
        return r.case if r.created else None  # a re-run leaves existing cases alone

    plans: list[tuple[str, str, list[str]]] = [
        ("ncr-waiting", "no_criminal_record", []),
        ("ncr-review", "no_criminal_record", ["accept", "in_review"]),
        ("renew-accepted", "id_card_renew", ["accept"]),
        ("renew-supplement", "id_card_renew", ["accept", "in_review", "supplement_requested"]),
        ("ncr-done", "no_criminal_record", ["accept", "approved"]),
        ("passport-expedited", "passport", []),  # accepted at an exit-entry window, not by the demo
    ]
    for key, code, steps in plans:
        try:
            case = online(key, code, start)
            if case is None:
                continue
            made += 1
            approver = users.get(f"approver-{case.department}")
            for step in steps:
                if step == "accept":
                    case_accept(number=case.number, actor=approver, now=start + dt.timedelta(hours=1))
                else:
                    case_transition(
                        number=case.number,
                        to=step,
                        actor=approver,
                        now=now,
                        reason="演示：请补充材料" if step == "supplement_requested" else "",
                    )
        except DomainError as exc:
            stdout.write(f"cases: demo {key} skipped: {exc.message}")
    made += _completed_per_group(citizen, users, start, stdout)
    walk_in, clerk = walk_in_candidate(), users.get("clerk")
    if walk_in is not None and clerk is not None:
        try:
            item = item_spec(code="residence_permit")
            r = case_submit(
                actor=clerk,
                item_code=item.code,
                form=sample_form(item.form_schema, at=now),
                channel="window",
                id_number=walk_in.id_number,
                now=now,
                idempotency_key="demo:rp-walk-in",
            )
            if r.case.status == "submitted":
                made += 1
                case_accept(number=r.case.number, actor=clerk, now=now, commitment=item.commitment.allowed)
        except DomainError as exc:
            stdout.write(f"cases: demo walk-in skipped: {exc.message}")
        made += _elder_help_case(clerk, walk_in.id_number, now, stdout)
    stdout.write(f"cases: {made} demo cases created")


#: Items tried per item group for a finished demo case with its result (the first that the demo
#: citizen can apply for and that reaches its result): the four departments, and 微安居 (the
#: rental-housing items, see ``demo_groups``).
FINISHED = {
    "huzheng": ["hukou_certificate", "hukou_book_replace", "id_card_renew"],
    "churujing": ["hk_macao_endorsement", "passport", "hk_macao_permit"],
    "jiaoguan": ["driver_contact_change", "vehicle_inspection_label", "driver_licence_expiry"],
    "zhian": ["no_criminal_record", "security_guard_certificate"],
    WEIANJU: ["rental_registration"],
}


def demo_groups() -> dict[str, set[str]]:
    """The item groups a visitor of the demo sees, with their items' codes: 微安居 for the items
    whose data names it among their keywords, the item's department for the others."""
    from tongban.catalog.selectors import items_list

    groups: dict[str, set[str]] = {}
    for item in items_list():
        group = WEIANJU if WEIANJU in item.keywords else str(item.department)
        groups.setdefault(group, set()).add(item.code)
    return groups


FORM_HINTS: dict[str, dict[str, Any]] = {
    "driver_contact_change": {"phone": "13900001111"},
    "rental_registration": {"address": "杭州市西湖区文三路 1 号 2 幢 301 室", "rooms": 2, "tenants": 2},
}


def _completed_per_group(citizen: Any, users: dict[str, Any], start: dt.datetime, stdout: Any) -> int:
    """One case per item group taken to ``completed`` with its result: the citizen applies
    online, the item's steps are taken by the demo clerk and approvers, the result is issued
    (a certificate naming the handling bureau, a notice) or handed over (a document)."""
    from tongban.cases.models import Case, Status

    made = 0
    groups = demo_groups()
    for group, codes in FINISHED.items():
        codes_of_group = groups.get(group, set())
        if Case.objects.filter(item_code__in=codes_of_group, status=Status.COMPLETED, submitted_by=citizen).exists():
            continue
        for code in codes:
            at = start + dt.timedelta(hours=2)
            try:
                item = item_spec(code=code)
                r = case_submit(
                    actor=citizen,
                    item_code=code,
                    form={**sample_form(item.form_schema, at=at), **FORM_HINTS.get(code, {})},
                    channel="online",
                    now=at,
                    presented=[m.code for m in item.materials if m.source is None],
                    idempotency_key=f"demo:done-{code}",
                )
                case = r.case
                approver = users.get(f"approver-{item.department}")
                if case.status == Status.SUBMITTED:
                    first = item.approval[0].role if item.approval else "approver"
                    taker = users.get("clerk") if first == "clerk" else approver
                    case = case_accept(number=case.number, actor=taker, now=at + dt.timedelta(minutes=30))
                if case.status in (Status.ACCEPTED, Status.IN_REVIEW):
                    case = case_transition(
                        number=case.number, to=Status.APPROVED, actor=approver, now=at + dt.timedelta(hours=1)
                    )
                case = Case.objects.get(pk=case.pk)
                if case.status == Status.RESULT_ISSUED:  # a document: the citizen confirms receipt
                    case = case_transition(
                        number=case.number, to=Status.COMPLETED, actor=citizen, now=at + dt.timedelta(hours=3)
                    )
                if case.status == Status.COMPLETED:
                    made += 1
                    break
            except DomainError as exc:
                stdout.write(f"cases: finished {code} skipped: {exc.message}")
    return made


def _elder_help_case(clerk: Any, id_number: str, now: dt.datetime, stdout: Any) -> int:
    """A window case with 敬老 one-to-one help recorded by the clerk, accepted at once."""
    from tongban.cases.services import Decision

    for code in ("hukou_certificate", "id_card_renew", "residence_permit"):
        try:
            item = item_spec(code=code)
            r = case_submit(
                actor=clerk,
                item_code=code,
                form=sample_form(item.form_schema, at=now),
                channel="window",
                id_number=id_number,
                now=now,
                presented=[m.code for m in item.materials if m.source is None],
                idempotency_key=f"demo:elder-{code}",
                decision=Decision("commitment" if item.commitment.allowed else "accept"),
                elder_help=True,
            )
            return 1 if r.created else 0
        except DomainError as exc:
            stdout.write(f"cases: demo elder help {code} skipped: {exc.message}")
    return 0
