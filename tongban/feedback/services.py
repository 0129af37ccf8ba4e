"""Rating writes: a rating online, on a window tablet the clerk hands over or at a kiosk, and the
invitations to rate. The 差评 follow-ups and appeals are in ``followups.py``.

Each public service is one transaction with one audit row; time is a parameter (``now``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from tongban.audit.services import audit_record
from tongban.common.access import Viewer
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.common.masking import mask_name
from tongban.common.roles import Role
from tongban.feedback.models import FollowUp, Invitation, Occasion, Rating, RatingChannel, RatingEvent
from tongban.feedback.scheme import Scheme
from tongban.feedback.selectors import CLOSED_RATEABLE, occasion_for, scheme_get
from tongban.workdays.calendar import add_working_days
from tongban.workdays.selectors import calendar_get

CITIZENS = frozenset({Role.CITIZEN, Role.ENTERPRISE})
COMMENT_MAX = 500
_SALT = "tongban.feedback.handover"


def _brief(number: str) -> Any:
    from tongban.cases.facts import case_briefs

    brief = case_briefs(numbers=[number]).get(number)
    if brief is None:
        raise NotFound(gettext("未找到该办件"))
    return brief


def _outlet_and_district(brief: Any) -> tuple[int | None, str]:
    """The case's outlet for the figures (where it was accepted, else where it is handled) and
    that outlet's district (else the handling region)."""
    from tongban.outlets.selectors import outlet_labels

    outlet_id = brief.accepting_outlet_id or brief.handling_outlet_id
    if outlet_id is not None:
        label = outlet_labels(ids=[outlet_id]).get(outlet_id)
        if label is not None:
            return outlet_id, label[2][:6]
    return outlet_id, (brief.handling_region or "")[:6]


def _check_scores(scheme: Scheme, channel: str, level: int, scores: dict[str, Any]) -> dict[str, int]:
    if scheme.level(level) is None:
        raise Invalid(gettext("请选择评价等级"), code="level", field="level")
    known = {i.code for i in scheme.indicators(channel)}
    out: dict[str, int] = {}
    for code, value in scores.items():
        if value in (None, ""):
            continue
        if code not in known:
            raise Invalid((gettext("没有分项 %(code)s") % {"code": code}), code="indicator", field=code)
        try:
            v = int(value)
        except (TypeError, ValueError):
            v = 0
        if scheme.level(v) is None:
            raise Invalid(gettext("分项评价须为 1 至 5"), code="indicator", field=code)
        out[code] = v
    if "overall" in known:
        out.setdefault("overall", level)
    return out


def _rate(
    *,
    brief: Any,
    occasion: str,
    channel: str,
    level: int,
    scores: dict[str, Any],
    comment: str,
    rater: Any,
    staff_id: int | None,
    now: dt.datetime,
) -> Rating:
    scheme = scheme_get()
    checked = _check_scores(scheme, channel, level, scores)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise Invalid((gettext("意见不能超过 %(comment_max)s 字") % {"comment_max": COMMENT_MAX}), code="comment")
    outlet_id, district = _outlet_and_district(brief)
    bad = scheme.is_bad(level)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                case_id=brief.id,
                case_number=brief.number,
                occasion=occasion,
                channel=channel,
                scheme_version=scheme.version,
                level=level,
                scores=checked,
                comment=comment,
                bad=bad,
                item_code=brief.item_code,
                item_name=brief.item_name,
                department=brief.department,
                outlet_id=outlet_id,
                district=district,
                staff_id=staff_id,
                person_id=brief.person_id,
                rater=rater,
                rated_at=now,
            )
            RatingEvent.objects.create(rating=rating, kind="rated", at=now, actor=rater, actor_label=_who(rater))
            if bad:
                due = add_working_days(calendar_get(), now, scheme.followup_working_days)
                FollowUp.objects.create(
                    rating=rating, outlet_id=outlet_id, department=brief.department, opened_at=now, due_at=due
                )
            if occasion == Occasion.COMPLETION:
                Invitation.objects.filter(case_id=brief.id).update(dismissed=True)
            audit_record(
                action="rating.create",
                object_type="case",
                object_id=brief.number,
                at=now,
                actor=rater,
                data={"occasion": occasion, "channel": channel, "level": level, "bad": bad, "scheme": scheme.version},
            )
    except IntegrityError:
        raise Conflict(
            gettext("该办件此次已经评价过，每次只能评价一次"),
            code="already_rated",
        ) from None
    return rating


def _who(user: Any) -> str:
    if user is None:
        return ""
    if getattr(user, "role", "") in CITIZENS:
        return mask_name(getattr(user, "real_name", "") or "")
    return str(getattr(user, "real_name", "") or getattr(user, "username", ""))[:80]


def rating_submit(
    *,
    case_number: str,
    rater: Any,
    level: int,
    scores: dict[str, Any] | None = None,
    comment: str = "",
    channel: str = RatingChannel.ONLINE,
    now: dt.datetime,
) -> Rating:
    """一事一评: the applicant rates their finished case online (or on a phone). Raises NotFound
    (no such case, or not theirs), Forbidden (not a citizen), Conflict (not finished yet, already
    rated), Invalid (level, indicators, comment)."""
    from tongban.cases.selectors import case_get

    if getattr(rater, "role", "") not in CITIZENS:
        raise Forbidden(gettext("只有申请人可以网上评价"), code="not_applicant")
    if channel not in (RatingChannel.ONLINE, RatingChannel.PHONE):
        raise Invalid(gettext("网上评价的渠道只能是网上或手机"), code="channel")
    case_get(user=rater, number=case_number)  # the access funnel: NotFound unless it is theirs
    brief = _brief(case_number)
    if brief.status not in CLOSED_RATEABLE:
        raise Conflict(gettext("办件办结后才能评价"), code="not_finished")
    return _rate(
        brief=brief,
        occasion=Occasion.COMPLETION,
        channel=channel,
        level=level,
        scores=scores or {},
        comment=comment,
        rater=rater,
        staff_id=brief.decided_by,
        now=now,
    )


# --- the window tablet and the kiosk: a short-lived signed page bound to one case ----------------


@dataclass(frozen=True)
class Handover:
    """What a signed hand-over token says: which case, on which occasion and channel, and which
    staff member's service is rated (the clerk who handed the tablet over)."""

    case_number: str
    occasion: str
    channel: str
    staff_id: int | None


def handover_issue(*, case_number: str, actor: Viewer, now: dt.datetime) -> str:
    """一次一评: a clerk hands the window tablet to the applicant, on a page bound to this case.
    Raises Forbidden (not a clerk), NotFound (no case in the clerk's scope), Conflict (nothing
    to rate now, or already rated on this occasion)."""
    from tongban.cases.selectors import case_get

    if getattr(actor, "role", "") != Role.CLERK:
        raise Forbidden(gettext("只有窗口受理员可以发起窗口评价"), code="not_clerk")
    case_get(user=actor, number=case_number)
    brief = _brief(case_number)
    occasion = _occasion_open(brief)
    payload = {"n": brief.number, "o": occasion, "c": RatingChannel.WINDOW, "s": actor.pk, "t": int(now.timestamp())}
    return signing.dumps(payload, salt=_SALT, compress=True)


def kiosk_handover(*, case_number: str, id_number: str, now: dt.datetime) -> str:
    """At a kiosk the applicant identifies with their ID card (its number, as the card reader
    gives it) and the case number. Raises NotFound (no such case for this person: one answer for
    both, nothing leaks), Conflict (nothing to rate now, already rated)."""
    try:
        brief = _brief(case_number.strip())
    except NotFound:
        brief = None
    if brief is None or brief.applicant_id_number.upper() != id_number.strip().upper():
        raise NotFound(gettext("办件编号与身份证号不符"), code="no_match")
    occasion = _occasion_open(brief)
    payload = {"n": brief.number, "o": occasion, "c": RatingChannel.KIOSK, "s": None, "t": int(now.timestamp())}
    return signing.dumps(payload, salt=_SALT, compress=True)


def _occasion_open(brief: Any) -> str:
    occasion = occasion_for(status=brief.status, accepted_at=brief.accepted_at)
    if occasion is None:
        raise Conflict(gettext("该办件受理后才能评价"), code="not_rateable")
    if Rating.objects.filter(case_id=brief.id, occasion=occasion).exists():
        raise Conflict(gettext("该办件此次已经评价过"), code="already_rated")
    return occasion


def handover_read(*, token: str, now: dt.datetime) -> Handover:
    """The hand-over a token carries. Raises NotFound for a token that is forged, or older than
    the scheme's ``handover_minutes`` (one answer: the page has expired)."""
    scheme = scheme_get()
    try:
        data = signing.loads(token, salt=_SALT)
        issued = int(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(gettext("评价页面已失效，请工作人员重新发起"), code="expired") from None
    if not 0 <= now.timestamp() - issued <= scheme.handover_minutes * 60:
        raise NotFound(gettext("评价页面已失效，请工作人员重新发起"), code="expired")
    return Handover(str(data["n"]), str(data["o"]), str(data["c"]), data.get("s"))


def rating_submit_handed(
    *, token: str, level: int, scores: dict[str, Any] | None = None, comment: str = "", now: dt.datetime
) -> Rating:
    """The applicant rates on the handed-over tablet or the kiosk page (no login: the signed,
    short-lived token is the permission). Raises NotFound (expired), Conflict (already rated),
    Invalid."""
    h = handover_read(token=token, now=now)
    brief = _brief(h.case_number)
    staff = h.staff_id
    if staff is None:  # the kiosk: the staff member who accepted, or decided, the case
        staff = brief.accepted_by if h.occasion == Occasion.ACCEPTANCE else brief.decided_by
    return _rate(
        brief=brief,
        occasion=h.occasion,
        channel=h.channel,
        level=level,
        scores=scores or {},
        comment=comment,
        rater=None,
        staff_id=staff,
        now=now,
    )


# --- invitations ---------------------------------------------------------------------------------------

INVITE_FEED = "invitations"
# History rows are numbered when written but may commit out of that order: each scan reads this
# many rows before its mark again (noting an invitation twice is a no-op).
FEED_OVERLAP = 1000


def invitations_scan(*, now: dt.datetime, limit: int = 20_000) -> int:
    """Read the case history since the last scan and note an invitation, due ``invite_after_days``
    after the case finished, for every case that finished (办结, 不予批准, 不予受理). Idempotent (one
    invitation per case). Returns how many were noted."""
    from tongban.cases.facts import case_briefs, case_moves_after
    from tongban.feedback.models import FeedMark

    scheme = scheme_get()
    with transaction.atomic():
        mark, _ = FeedMark.objects.select_for_update().get_or_create(
            name=INVITE_FEED, defaults={"last_id": 0, "updated_at": now}
        )
        moves = case_moves_after(after_id=max(0, mark.last_id - FEED_OVERLAP), limit=limit, to_status=CLOSED_RATEABLE)
        if not moves:
            return 0
        briefs = {b.id: b for b in case_briefs(ids=list({m.case_id for m in moves})).values()}
        rated = set(
            Rating.objects.filter(case_id__in=list(briefs), occasion=Occasion.COMPLETION).values_list(
                "case_id", flat=True
            )
        )
        wait = dt.timedelta(days=scheme.invite_after_days)
        rows = [
            Invitation(
                case_id=m.case_id,
                case_number=briefs[m.case_id].number,
                user_id=briefs[m.case_id].applicant_id,
                closed_at=m.at,
                due_at=m.at + wait,
                dismissed=m.case_id in rated,
            )
            for m in moves
            if m.case_id in briefs
        ]
        Invitation.objects.bulk_create(rows, ignore_conflicts=True)
        mark.last_id, mark.updated_at = max(mark.last_id, moves[-1].id), now
        mark.save(update_fields=["last_id", "updated_at"])
    return len(rows)


def _item_names(code: str, fallback: str) -> dict[str, str]:
    """An item's name in each language, for a message (the case's own name if the item is gone)."""
    from tongban.catalog.selectors import item_get

    try:
        item = item_get(code=code)
    except NotFound:
        return {"zh-hans": fallback or code}
    return {"zh-hans": item.name_zh, "en": item.name_en}


def _citizen(*, user: Any, person_id: int | None) -> Any:
    """Whom to tell about a case: the applicant's account, else the registry person (SMS to the
    phone the registry holds), else None."""
    if user is not None:
        return user
    if person_id is None:
        return None
    from tongban.registry.selectors import person_for_sources

    return person_for_sources(pk=person_id)


def invitation_deliver(invitation: Invitation, *, brief: Any, now: dt.datetime) -> str:
    """Send one invitation through the notification outbox (inbox and SMS, once per case: the
    message key is the case number). Returns how it went out: ``outbox``, or ``none`` when the
    applicant has neither an account nor a registry entry to reach."""
    from tongban.notifications.services import notify

    recipient = _citizen(user=invitation.user, person_id=brief.person_id if brief else None)
    if recipient is None:
        return "none"
    notify(
        recipient=recipient,
        kind="rating_invitation",
        key=invitation.case_number,
        params={
            "case": invitation.case_number,
            "item": _item_names(brief.item_code, brief.item_name) if brief else {"zh-hans": ""},
        },
        at=now,
    )
    return "outbox"


# An invitation not sent within this time after it fell due (the sender was stopped, or a first
# scan read years of history) is dropped: a message about a case long finished is noise.
INVITE_STALE = dt.timedelta(days=14)


def invitations_send(*, now: dt.datetime, limit: int = 5000) -> int:
    """Send the invitations that are due (a case finished ``invite_after_days`` ago and still not
    rated), each once; drop those more than ``INVITE_STALE`` past due. One audit row per run that
    sends any. Returns how many were sent."""
    from tongban.cases.facts import case_briefs

    with transaction.atomic():
        Invitation.objects.filter(sent_at__isnull=True, dismissed=False, due_at__lt=now - INVITE_STALE).update(
            dismissed=True
        )
        due = list(
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(sent_at__isnull=True, dismissed=False, due_at__lte=now)
            .order_by("due_at")[:limit]
        )
        if not due:
            return 0
        rated = set(
            Rating.objects.filter(case_id__in=[i.case_id for i in due], occasion=Occasion.COMPLETION).values_list(
                "case_id", flat=True
            )
        )
        briefs = {b.id: b for b in case_briefs(ids=[i.case_id for i in due if i.case_id not in rated]).values()}
        sent = []
        for inv in due:
            if inv.case_id in rated:
                inv.dismissed = True
                inv.save(update_fields=["dismissed"])
                continue
            inv.delivery, inv.sent_at = invitation_deliver(inv, brief=briefs.get(inv.case_id), now=now), now
            inv.save(update_fields=["delivery", "sent_at"])
            sent.append(inv.case_number)
        if sent:
            audit_record(
                action="rating.invite",
                object_type="case",
                object_id="invitations",
                at=now,
                actor=None,
                data={"sent": len(sent), "cases": sent[:200]},
            )
    return len(sent)


def answer_notify(*, followup: FollowUp, now: dt.datetime) -> bool:
    """Tell the citizen who gave the 差评 that it has an answer (反馈), once per follow-up, through
    the notification outbox, in the caller's transaction. Returns whether anyone could be told."""
    from tongban.cases.facts import case_briefs
    from tongban.notifications.services import notify

    rating = followup.rating
    brief = case_briefs(ids=[rating.case_id]).get(rating.case_number)
    user = rating.rater if rating.rater_id else None
    if user is None and brief is not None and brief.applicant_id is not None:
        from tongban.accounts.selectors import user_by_pk

        user = user_by_pk(pk=brief.applicant_id)
    recipient = _citizen(user=user, person_id=rating.person_id or (brief.person_id if brief else None))
    if recipient is None:
        return False
    notify(
        recipient=recipient,
        kind="followup_answered",
        key=str(followup.pk),
        params={"case": rating.case_number, "item": _item_names(rating.item_code, rating.item_name)},
        at=now,
    )
    return True


def schemes_load(*, now: dt.datetime, path: Any = None) -> list[int]:
    """Load the rating schemes of ``data/schemes.yaml`` that are not in the database yet (a
    version, once loaded, is never changed: ratings refer to it). Returns the versions loaded.
    Raises Invalid (bad data, or a loaded version whose content differs from the file)."""
    from tongban.feedback.models import RatingScheme
    from tongban.feedback.scheme import DATA, SchemeError, jsonable, schemes_read
    from tongban.feedback.selectors import scheme_cache_clear

    try:
        schemes = schemes_read(path or DATA)
    except SchemeError as exc:
        raise Invalid(str(exc), code="scheme") from None
    loaded = []
    with transaction.atomic():
        for scheme, entry in schemes:
            data = jsonable(entry)
            row = RatingScheme.objects.filter(version=scheme.version).first()
            if row is not None:
                if row.data != data:
                    raise Invalid(
                        (gettext("规则 v%(version)s 已导入且内容不同：请新增版本") % {"version": scheme.version}),
                        code="scheme_changed",
                    )
                continue
            RatingScheme.objects.create(
                version=scheme.version,
                effective_from=scheme.effective_from,
                source=scheme.source,
                data=data,
                loaded_at=now,
            )
            loaded.append(scheme.version)
        if loaded:
            audit_record(
                action="rating.scheme_load",
                object_type="rating_scheme",
                object_id=str(loaded[-1]),
                at=now,
                data={"versions": loaded},
            )
    scheme_cache_clear()
    return loaded
