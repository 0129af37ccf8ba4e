"""The messages 微安居 sends (kinds added to tongban.notifications at start-up; English in
rentals/locale)."""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

from tongban.notifications.services import Kind, kinds_register

RENTAL_KINDS = (
    Kind(
        "rental_reviewed",
        N_("出租房屋审核结果"),
        N_("您申报的出租房屋 %(number)s（%(address)s）审核结果：%(outcome)s。%(note)s"),
        ("number", "address", "outcome", "note"),
        channels=(),
    ),
    Kind(
        "tenant_declared",
        N_("房客申报入住"),
        N_("房客 %(tenant)s 申报于 %(moved_in)s 入住您的出租房屋 %(number)s，请确认或提出异议。"),
        ("tenant", "moved_in", "number"),
        channels=(),
    ),
    Kind(
        "hazard_pushed",
        N_("出租房屋隐患整改通知"),
        N_("民警检查发现您的出租房屋 %(number)s 存在隐患：%(kind)s（%(note)s），请于 %(due)s 前整改并上报。"),
        ("number", "kind", "note", "due"),
    ),
    Kind(
        "hazard_reopened",
        N_("隐患整改未通过"),
        N_("您的出租房屋 %(number)s 的隐患“%(kind)s”整改未通过复查：%(note)s。请于 %(due)s 前重新整改。"),
        ("number", "kind", "note", "due"),
    ),
    Kind(
        "hazard_overdue",
        N_("隐患整改已逾期"),
        N_("您的出租房屋 %(number)s 的隐患“%(kind)s”已超过整改期限 %(due)s，请尽快整改并上报。"),
        ("number", "kind", "due"),
    ),
    Kind(
        "rental_notice",
        N_("微安居通知通告"),
        N_("%(station)s发布通知“%(title)s”：%(body)s"),
        ("station", "title", "body"),
        channels=(),
    ),
    Kind(
        "rental_answered",
        N_("您的咨询已答复"),
        N_("%(station)s已答复您的问题“%(question)s”：%(answer)s"),
        ("station", "question", "answer"),
    ),
)


def register() -> None:
    """Add the rental kinds to the notification kinds (idempotent)."""
    kinds_register(RENTAL_KINDS)
