"""Roles, departments and outlet kinds: shared vocabulary, no models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Who a user is to the system; staff roles are scoped to an outlet and a department."""

    CITIZEN = "citizen", _("群众")
    ENTERPRISE = "enterprise", _("企业")
    CLERK = "clerk", _("窗口受理员")
    APPROVER = "approver", _("审批民警")
    ADMIN = "admin", _("管理员")
    AUDITOR = "auditor", _("审计员")


STAFF_ROLES = frozenset({Role.CLERK, Role.APPROVER, Role.ADMIN, Role.AUDITOR})


class Department(models.TextChoices):
    """The police departments that handle items."""

    HUZHENG = "huzheng", _("户政")
    CHURUJING = "churujing", _("出入境")
    JIAOGUAN = "jiaoguan", _("交管")
    ZHIAN = "zhian", _("治安")


class OutletKind(models.TextChoices):
    """The kinds of outlet: the outlets module's seeds name them and catalog items list the kinds
    that accept them (here so that neither module imports the other for it)."""

    POLICE_STATION = "police_station", _("派出所综合窗口")
    EXIT_ENTRY_HALL = "exit_entry_hall", _("出入境服务大厅")
    VEHICLE_HALL = "vehicle_hall", _("车管服务大厅")
    GOV_CENTRE = "gov_centre", _("政务服务中心")
    KIOSK = "kiosk", _("自助服务终端")
    ALL_IN_ONE_5G = "all_in_one_5g", _("5G 一体机")
    HOSPITAL = "hospital", _("驾驶人体检医院")
