"""Navigation per role: each capability adds its entries here, so every role reaches its pages
from the home page. Entries whose URL name is not installed are skipped."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from tongban.common.roles import Role

# (url name, label, roles); roles=None means everyone, including anonymous visitors. HEADS among
# the roles admits clerks and approvers who head their outlet or department (User.supervisor).
HEADS = "heads"
SUPERUSER = "superuser"  # Django's admin: superusers only (administrators use the console)
NAV: list[tuple[str, Any, frozenset[str] | None]] = [
    ("web:home", _("首页"), None),
    ("catalog:list", _("办事指南"), None),
    ("outlets:map", _("服务地图"), None),
    ("certificates:verify", _("证照核验"), None),
    ("registry:me", _("我的档案"), frozenset({Role.CITIZEN, Role.ENTERPRISE})),
    ("cases:mine", _("我的办件"), frozenset({Role.CITIZEN, Role.ENTERPRISE})),
    ("photos:mine", _("我的照片"), frozenset({Role.CITIZEN})),
    ("certificates:mine", _("我的证照"), frozenset({Role.CITIZEN, Role.ENTERPRISE})),
    ("appointments:mine", _("我的预约"), frozenset({Role.CITIZEN, Role.ENTERPRISE})),
    ("notifications:inbox", _("我的消息"), frozenset({Role.CITIZEN, Role.ENTERPRISE})),
    ("web:workbench", _("窗口工作台"), frozenset({Role.CLERK})),
    ("cases:handover", _("待交付结果"), frozenset({Role.CLERK})),
    # the outlet's open cases: online applications handled here waiting for 受理, and the progress
    # of those accepted here (the workbench shows one person's at a time)
    ("cases:queue", _("本网点在办办件"), frozenset({Role.CLERK})),
    ("appointments:check_in", _("预约签到"), frozenset({Role.CLERK})),
    ("photos:desk", _("窗口拍照"), frozenset({Role.CLERK})),
    ("appointments:visits", _("上门办理"), frozenset({Role.CITIZEN, Role.CLERK})),
    ("cases:flags", _("便民服务统计"), frozenset({HEADS, Role.ADMIN, Role.AUDITOR})),
    ("cases:queue", _("审批队列"), frozenset({Role.APPROVER})),
    ("certificates:list", _("证照查询"), frozenset({Role.CLERK, Role.APPROVER, Role.ADMIN, Role.AUDITOR})),
    ("feedback:mine", _("办件评价"), frozenset({Role.CITIZEN, Role.ENTERPRISE})),
    ("feedback:desk", _("窗口评价"), frozenset({Role.CLERK})),
    ("feedback:followups", _("差评整改"), frozenset({HEADS, Role.ADMIN, Role.AUDITOR})),
    ("insights:dashboard", _("数据看板"), frozenset({HEADS, Role.ADMIN, Role.AUDITOR})),
    ("insights:promise_index", _("服务承诺"), None),
    ("enterprises:mine", _("我的企业"), frozenset({Role.CITIZEN, Role.ENTERPRISE})),
    ("enterprises:roadside", _("路面核查"), frozenset({"jiaoguan", Role.ADMIN})),
    ("enterprises:liaison", _("驻企联络"), frozenset({Role.APPROVER, Role.ADMIN})),
    ("rentals:mine", _("微安居"), frozenset({Role.CITIZEN})),
    ("rentals:station", _("出租房屋管理"), frozenset({"zhian", Role.ADMIN})),
    ("dogs:mine", _("我的犬证"), frozenset({Role.CITIZEN})),
    ("dogs:reports", _("养犬管理"), frozenset({"zhian", Role.ADMIN})),
    ("dogs:report", _("举报问题犬只"), None),
    ("audit:list", _("审计日志"), frozenset({Role.AUDITOR, Role.ADMIN})),
    ("console:index", _("管理控制台"), frozenset({Role.ADMIN})),
    ("admin:index", _("管理后台"), frozenset({SUPERUSER})),
    ("accounts:window_register", _("窗口注册"), frozenset({Role.CLERK})),
]


def nav_for(user: Any) -> list[dict[str, str]]:
    """The navigation entries this user may follow."""
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    head = role in (Role.CLERK, Role.APPROVER) and bool(getattr(user, "supervisor", False))
    superuser = bool(getattr(user, "is_superuser", False)) and getattr(user, "is_authenticated", False)
    # A department name among the roles admits that department's approvers (traffic officers).
    department = getattr(user, "department", "") if role == Role.APPROVER else ""
    items = []
    for name, label, roles in NAV:
        if (
            roles is not None
            and role not in roles
            and not (head and HEADS in roles)
            and not (department and department in roles)
            and not (superuser and SUPERUSER in roles)
        ):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": str(label), "name": name})
    return items
