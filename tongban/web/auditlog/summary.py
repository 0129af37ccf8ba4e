"""An audit entry in words: its role, outlet, object and a short summary of its ``data``.

``data`` is whatever the writer recorded (a case's channel, a login's IP address, an export's row
count). The summary names each known key in the reader's language and shows its value; a code
value (``window``, ``page``) is said in words or left out, never shown as a code, and every text
value passes through ``mask_text`` so no full ID or mobile number can reach a page from here.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.utils.translation import pgettext_lazy as p_

from tongban.audit.labels import action_label, object_type_label
from tongban.audit.models import AuditEntry
from tongban.audit.problems import problem_text
from tongban.cases.models import Status
from tongban.catalog.selectors import item_get
from tongban.catalog.templatetags.catalog_tags import loc
from tongban.common.errors import NotFound
from tongban.common.masking import mask_text
from tongban.common.roles import Department, Role

_CJK = re.compile(r"[\u3400-\u9fff]")
_CODE = re.compile(r"^[a-z][a-z0-9_.]*$")
_CODE_IN = re.compile(r"[a-z][a-z0-9]*_[a-z0-9_]*|[a-z][a-z0-9_]*\.[a-z]")  # snake_case or dotted codes
_ISO = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)")

KEYS: dict[str, Any] = {
    "channel": p_("audit data", "渠道"),
    "via": p_("audit data", "方式"),
    "what": p_("audit data", "查看内容"),
    "ip": p_("audit data", "IP 地址"),
    "id_number": p_("audit data", "公民身份号码"),
    "field": p_("audit data", "查看项"),
    "reason": p_("audit data", "理由"),
    "note": p_("audit data", "备注"),
    "status": p_("audit data", "状态"),
    "role": p_("audit data", "角色"),
    "department": p_("audit data", "部门"),
    "supervisor": p_("audit data", "负责人"),
    "item": p_("audit data", "事项"),
    "item_version": p_("audit data", "事项版本"),
    "outlet": p_("audit data", "网点"),
    "case": p_("audit data", "办件"),
    "certificate": p_("audit data", "证照"),
    "number": p_("audit data", "编号"),
    "entries": p_("audit data", "记录条数"),
    "rows": p_("audit data", "导出行数"),
    "capped": p_("audit data", "达到导出上限"),
    "count": p_("audit data", "数量"),
    "days": p_("audit data", "天数"),
    "level": p_("audit data", "评分"),
    "bad": p_("audit data", "差评"),
    "results": p_("audit data", "结果条数"),
    "model": p_("audit data", "数据表"),
    "version": p_("audit data", "版本"),
    "previous": p_("audit data", "原版本"),
    "plate": p_("audit data", "号牌"),
    "enterprise": p_("audit data", "企业"),
    "property": p_("audit data", "房屋"),
    "visit_at": p_("audit data", "上门时间"),
    "moved_in_on": p_("audit data", "入住日期"),
    "moved_out_on": p_("audit data", "搬离日期"),
    "deleted": p_("audit data", "删除条数"),
    "sent": p_("audit data", "发送条数"),
    "recipients": p_("audit data", "接收人数"),
    "outlets": p_("audit data", "网点数"),
    "slots": p_("audit data", "号源数"),
    "capacity": p_("audit data", "容量"),
    "code_sent": p_("audit data", "已发验证码"),
    "electronic": p_("audit data", "电子证照"),
    "commitment": p_("audit data", "容缺受理"),
    "matched": p_("audit data", "匹配"),
    "found": p_("audit data", "找到"),
}
# Code values said in words (key → value → words); other code values are left out.
VALUES: dict[str, dict[str, Any]] = {
    "channel": {
        "page": p_("audit channel", "网页"),
        "api": p_("audit channel", "接口"),
        "admin": p_("audit channel", "管理后台"),
        "window": p_("audit channel", "窗口"),
        "online": p_("audit channel", "网上"),
        "roadside": p_("audit channel", "路面核查"),
        "kiosk": p_("audit channel", "自助终端"),
    },
    "via": {
        "password": p_("audit channel", "密码"),
        "admin": p_("audit channel", "管理后台"),
        "site": p_("audit channel", "网站"),
        "api": p_("audit channel", "接口"),
        "window": p_("audit channel", "窗口"),
        "sms": p_("audit channel", "短信"),
    },
    "what": {
        "detail": p_("audit read", "详情"),
        "desk": p_("audit read", "窗口拍照"),
        "download": p_("audit read", "下载"),
        "file": p_("audit read", "文件"),
        "lookup": p_("audit read", "按身份证号查询"),
        "original": p_("audit read", "原图"),
        "preview": p_("audit read", "办件预填"),
        "receipt": p_("audit read", "受理回执"),
        "supply": p_("audit read", "调取证明材料"),
        "workbench": p_("audit read", "窗口工作台"),
    },
    "field": {
        "phone": p_("audit read", "手机号码"),
        "address": p_("audit read", "住址"),
        "id_number": p_("audit read", "公民身份号码"),
        "real_name": p_("audit read", "姓名"),
        "name": p_("audit read", "姓名"),
    },
}
ROLES = {str(v): label for v, label in Role.choices}
DEPARTMENTS = {str(v): label for v, label in Department.choices}
STATUSES = {str(v): label for v, label in Status.choices}


def _item_name(value: str) -> str | None:
    """An item's name in the reader's language from its code (``no_criminal_record@1``: a code and
    its version); None for an item the catalog does not know."""
    try:
        return str(loc(item_get(code=value.split("@", 1)[0]), "name"))
    except NotFound:
        return None


def role_label(role: str) -> str:
    """The role in words; the system's own entries (no role) read as 系统."""
    if not role:
        return pgettext("audit role", "系统")
    label = ROLES.get(role)
    return str(label) if label is not None else pgettext("audit role", "其他")


def _value(key: str, value: Any) -> str | None:
    """One value in words, or None when it is not for a person to read (a code, a structure)."""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return _("%(n)s 项") % {"n": len(value)} if value else None
    if not isinstance(value, str) or not value:
        return None
    words = VALUES.get(key, {}).get(value)
    if key == "role":
        words = ROLES.get(value)
    elif key == "department":
        words = DEPARTMENTS.get(value)
    elif key == "status":
        words = STATUSES.get(value)
    elif key == "model":
        words = object_type_label(value)
    elif key == "item":
        words = _item_name(value)
    if words is not None:
        return str(words)
    if key != "ip" and (_CODE.match(value) or (value.isascii() and _CODE_IN.search(value))):
        return None
    iso = _ISO.match(value)
    if iso:
        return f"{iso.group(1)} {iso.group(2)}"
    text = mask_text(value)
    return text if len(text) <= 60 else text[:59] + "…"


def data_pairs(data: Any) -> list[tuple[str, str]]:
    """The known keys of ``data`` with their values, in words, in KEYS order."""
    if not isinstance(data, dict):
        return []
    pairs = []
    for key, label in KEYS.items():
        if key in data:
            value = _value(key, data[key])
            if value is not None:
                pairs.append((str(label), value))
    return pairs


def zh(text: str) -> bool:
    """Whether a stored value is Chinese text (a name, an outlet, a note): pages mark it
    ``lang="zh-Hans"``, since data is shown as it was written, in any language of the page."""
    return bool(_CJK.search(text))


def summary_pairs(entry: AuditEntry) -> list[dict[str, Any]]:
    """The summary as (label, value, Chinese value?) for a page; empty for a verification, whose
    summary is one sentence."""
    if entry.action == "audit.verify":
        return []
    return [{"label": label, "value": value, "zh": zh(value)} for label, value in data_pairs(entry.data)]


def data_summary(entry: AuditEntry) -> str:
    """A line of plain words about what the entry recorded (empty when there is nothing to say)."""
    data = entry.data if isinstance(entry.data, dict) else {}
    if entry.action == "audit.verify":
        if data.get("ok"):
            return _("完整，核验了 %(n)s 条记录") % {"n": data.get("entries", 0)}
        return _("发现 %(n)s 个问题") % {"n": len(data.get("problems") or [])}
    pairs = [_("%(label)s：%(value)s") % {"label": label, "value": value} for label, value in data_pairs(data)]
    return pgettext("audit data", "；").join(pairs)


def verify_findings(data: Any, key: str = "problems") -> list[dict[str, Any]]:
    """The problems (``key="notes"``: the remarks) of an ``audit.verify`` entry, each in words."""
    if not isinstance(data, dict):
        return []
    found = []
    for problem in data.get(key) or []:
        text, known = problem_text(str(problem))
        found.append({"text": mask_text(text), "known": known})
    return found


def object_link(object_type: str, object_id: str) -> str:
    """The page of the entry's object, where staff have one (a case, a certificate)."""
    names = {"case": "cases:detail", "certificate": "certificates:detail"}
    name = names.get(object_type)
    if name is None or not object_id:
        return ""
    try:
        return reverse(name, args=[object_id])
    except NoReverseMatch:
        return ""


def entry_row(entry: AuditEntry, outlets: dict[str, str]) -> dict[str, Any]:
    """One entry as the list, the CSV and the look-up show it (``*_zh``: the value is Chinese)."""
    row = {
        "id": entry.pk,
        "at": entry.at,
        "actor": mask_text(entry.actor_label) if entry.actor_label != "system" else pgettext("audit role", "系统"),
        "role": role_label(entry.role),
        "outlet": outlets.get(entry.outlet_code, entry.outlet_code),
        "action": action_label(entry.action),
        "object_type": object_type_label(entry.object_type),
        # A code standing for no one object ("batch", "refresh", "all") says nothing to a reader.
        "object_id": "" if _CODE.match(entry.object_id) else mask_text(entry.object_id),
        "object_url": object_link(entry.object_type, entry.object_id),
        "summary": data_summary(entry),
        "pairs": summary_pairs(entry),
    }
    for key in ("actor", "outlet", "object_id"):
        row[f"{key}_zh"] = zh(str(row[key]))
    return row
