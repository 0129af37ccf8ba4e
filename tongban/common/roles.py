"""Roles and departments: shared vocabulary, no models."""

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
