"""Accounts: citizens under real name and staff scoped to an outlet and a department."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.common.access import AccessRule
from tongban.common.masking import mask_id_number, mask_name
from tongban.common.roles import STAFF_ROLES, Department, Role


class User(AbstractUser):
    """A person who logs in. Citizens log in with their ID number; staff with a staff username."""

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.CITIZEN)
    real_name = models.CharField(_("姓名"), max_length=40, blank=True)
    id_number = models.CharField(_("公民身份号码"), max_length=18, unique=True, null=True, blank=True)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)
    person = models.OneToOneField(
        "registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="account"
    )
    outlet = models.ForeignKey("outlets.Outlet", null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    department = models.CharField(_("部门"), max_length=16, choices=Department.choices, blank=True)
    # A clerk with this set heads their outlet (网点负责人), an approver their department (部门负责人):
    # they own the 差评 follow-ups and read the figures of that scope (tongban.common.access).
    supervisor = models.BooleanField(
        _("负责人"), default=False, help_text=_("窗口受理员为网点负责人，审批民警为部门负责人")
    )

    ACCESS = AccessRule(owner="pk")

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        if self.role in (Role.CITIZEN, Role.ENTERPRISE):
            return f"{mask_name(self.real_name)} {mask_id_number(self.id_number)}".strip()
        return f"{self.real_name or self.username} ({self.username})"

    @property
    def head_title(self) -> str:
        """网点负责人 / 部门负责人 for a head, else empty."""
        if not self.supervisor:
            return ""
        if self.role == Role.CLERK:
            return str(_("网点负责人"))
        return str(_("部门负责人")) if self.role == Role.APPROVER else ""

    @property
    def is_staff_role(self) -> bool:
        """Clerks, approvers, administrators and auditors."""
        return self.role in STAFF_ROLES


class ApiToken(models.Model):
    """A bearer token for machine clients; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    ACCESS = AccessRule(owner="user")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_key(raw: str) -> str:
        """The stored form of a raw token."""
        return hashlib.sha256(raw.encode()).hexdigest()
