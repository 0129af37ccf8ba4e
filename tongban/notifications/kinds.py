"""The kinds of message tongban sends: each a template (subject and body msgids) and its params.

Messages store a kind and params, never rendered text: the subject and body are rendered in the
reader's language when the inbox shows them and in the recipient's language when a channel
sends them (English lives in notifications/locale). A param is plain text or a number, or
- ``{"zh-hans": "...", "en": "..."}``: data that has a name in each language (an item's name);
- ``{"datetime": "<ISO 8601>"}``: shown as local time in Asia/Shanghai;
- ``{"date": "YYYY-MM-DD"}``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from tongban.common.clock import SHANGHAI


@dataclass(frozen=True, slots=True)
class Kind:
    """A message template. ``channels`` are the external channels used when the caller names
    none; ``sensitive`` messages (one-time codes) are never in an inbox and their params are
    wiped once every delivery is finished."""

    code: str
    subject: str
    body: str
    params: tuple[str, ...]
    channels: tuple[str, ...] = ("sms",)
    inbox: bool = True
    sensitive: bool = False


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind(
            "appointment_reminder",
            N_("预约提醒"),
            N_("您预约的“%(item)s”将于 %(start)s 在%(outlet)s办理，预约号 %(number)s。如不能前往，请提前取消预约。"),
            ("item", "outlet", "start", "number"),
        ),
        Kind(
            "registration_code",
            N_("注册验证码"),
            N_(
                "【通办】您正在注册通办账号，验证码 %(code)s，%(minutes)s 分钟内有效。工作人员不会索要验证码，请勿告诉他人。"  # noqa: E501 (one msgid)
            ),
            ("code", "minutes"),
            inbox=False,
            sensitive=True,
        ),
        Kind(
            "account_created",
            N_("账号已开通"),
            N_("您的通办账号已于 %(at)s 开通。如非本人操作，请携带身份证到任一服务窗口处理。"),
            ("at",),
            channels=(),
        ),
        Kind(
            "password_reset_code",
            N_("找回密码验证码"),
            N_(
                "【通办】您正在找回通办账号的密码，验证码 %(code)s，%(minutes)s 分钟内有效。工作人员不会索要验证码，请勿告诉他人。"  # noqa: E501 (one msgid)
            ),
            ("code", "minutes"),
            inbox=False,
            sensitive=True,
        ),
        Kind(
            "password_changed",
            N_("登录密码已修改"),
            N_(
                "【通办】您的通办账号登录密码已于 %(at)s 修改，其他设备上的登录已全部退出。如非本人操作，请立即携带身份证到任一服务窗口处理。"  # noqa: E501 (one msgid)
            ),
            ("at",),
        ),
        # Case events (wired by the cases module): the case number, the item's name and dates.
        Kind(
            "supplement_requested",
            N_("请补正材料"),
            N_("您的办件 %(case)s（%(item)s）需要补正材料：%(reason)s。请登录通办补正，补正期间办理时限暂停计算。"),
            ("case", "item", "reason"),
        ),
        Kind(
            "case_refused",
            N_("办件未予受理"),
            N_("您的办件 %(case)s（%(item)s）未予受理，原因：%(reason)s。"),
            ("case", "item", "reason"),
        ),
        Kind(
            "case_denied",
            N_("办件未获批准"),
            N_("您的办件 %(case)s（%(item)s）未获批准，原因：%(reason)s。请登录通办查看决定。"),
            ("case", "item", "reason"),
        ),
        Kind(
            "commitment_deadline_near",
            N_("承诺补交期限将至"),
            N_("您以告知承诺方式办理的 %(case)s（%(item)s）须在 %(due)s 前补交材料，逾期将依法处理。"),
            ("case", "item", "due"),
        ),
        Kind(
            "result_issued",
            N_("办理结果已出"),
            N_("您的办件 %(case)s（%(item)s）已办结，请登录通办查看结果。"),
            ("case", "item"),
        ),
        Kind(
            "case_overdue",
            N_("办件已超期"),
            N_("办件 %(case)s（%(item)s）已超过承诺期限（%(due)s），我们正在督办，给您带来不便深表歉意。"),
            ("case", "item", "due"),
        ),
        # Ratings (好差评, wired by the feedback module).
        Kind(
            "rating_invitation",
            N_("邀请您评价"),
            N_(
                "您的办件 %(case)s（%(item)s）已办理完毕，欢迎评价我们的服务：登录通办在“办件评价”中评价，或在任一窗口、自助终端评价。"  # noqa: E501 (one msgid)
            ),
            ("case", "item"),
        ),
        Kind(
            "followup_answered",
            N_("差评整改反馈"),
            N_("您对办件 %(case)s（%(item)s）的评价已有整改反馈，请登录通办在“办件评价”中查看，并对反馈进行评价。"),
            ("case", "item"),
        ),
    )
}


def _value(value: Any, language: str) -> Any:
    if isinstance(value, dict):
        if "datetime" in value:
            return dt.datetime.fromisoformat(value["datetime"]).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        if "date" in value:
            return dt.date.fromisoformat(value["date"]).isoformat()
        return value.get(language) or value.get("zh-hans") or next(iter(value.values()), "")
    return value


def render(*, kind: str, params: dict[str, Any], language: str) -> tuple[str, str]:
    """The subject and body of a message of ``kind`` in ``language``. Raises KeyError for an
    unknown kind or a missing param."""
    spec = KINDS[kind]
    with translation.override(language):
        values = {name: _value(params[name], language) for name in spec.params}
        return gettext(spec.subject), gettext(spec.body) % values
