"""Accounts: citizens under real name and staff scoped to an outlet and a department."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
        verbose_name=_("人员"),
    )
    outlet = models.ForeignKey(
        "outlets.Outlet", null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("网点")
    )
    department = models.CharField(_("部门"), max_length=16, choices=Department.choices, blank=True)
    # The language messages are written in (set from the pages at login and registration).
    language = models.CharField(_("语言"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    # Raised to end every session of the user at once (sign out everywhere, account disabled).
    session_generation = models.PositiveIntegerField(_("会话代次"), default=0, editable=False)
    # A clerk with this set heads their outlet (网点负责人), an approver their department (部门负责人):
    # they own the 差评 follow-ups and read the figures of that scope (tongban.common.access).
    supervisor = models.BooleanField(
        _("负责人"), default=False, help_text=_("窗口受理员为网点负责人，审批民警为部门负责人")
    )
    # Set when an administrator gives the account a temporary password: every page then sends
    # the user to 修改密码 until they choose their own (tongban.accounts.middleware).
    must_change_password = models.BooleanField(
        _("下次登录须修改密码"), default=False, help_text=_("管理员设置临时密码后自动勾选，用户修改密码后自动取消")
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

    def get_session_auth_hash(self) -> str:
        """Django checks this on every request: a session made before ``session_generation`` was
        raised no longer matches and is flushed."""
        return self._session_hash()

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)

    def _session_hash(self, secret: str | bytes | None = None) -> str:
        # Generation 0 gives Django's own hash, so sessions made before this field existed stay valid.
        if not self.session_generation:
            salt, value = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash", self.password
        else:
            salt, value = "tongban.accounts.User.get_session_auth_hash", f"{self.password}\n{self.session_generation}"
        return salted_hmac(salt, value, secret=secret, algorithm="sha256").hexdigest()


class ApiToken(models.Model):
    """A bearer token for machine clients; only its SHA-256 is stored. It works until it expires
    or its owner revokes it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(_("开头"), max_length=12, blank=True)  # shown in lists to tell tokens apart
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    ACCESS = AccessRule(owner="user")

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_key(raw: str) -> str:
        """The stored form of a raw token."""
        return hashlib.sha256(raw.encode()).hexdigest()


class RegistrationVia(models.TextChoices):
    SMS = "sms", _("短信验证码")
    WINDOW = "window", _("窗口激活码")


class CodePurpose(models.TextChoices):
    REGISTER = "register", pgettext_lazy("code purpose", "开通账号")
    RESET = "reset", pgettext_lazy("code purpose", "重置密码")


class RegistrationCode(models.Model):
    """A one-time code that proves possession at real-name registration: sent by SMS to the phone
    the registry holds, or handed over at a service window by a clerk who checked the ID card.

    Every registration attempt makes one, also when the ID number or name matches nobody (then
    ``person`` is empty and no code exists that could match): the answers look the same either
    way. The same codes (``purpose`` reset) let a citizen who forgot their password set a new one
    (tongban.accounts.services.password_reset). Only hashes are stored; ``token_hash`` is the
    browser's handle on an SMS attempt (its raw value lives in the anonymous session)."""

    via = models.CharField(max_length=8, choices=RegistrationVia.choices)
    # register: opens an account; reset: sets a new password of the person's existing account
    purpose = models.CharField(max_length=8, choices=CodePurpose.choices, default=CodePurpose.REGISTER)
    token_hash = models.CharField(max_length=64, unique=True)
    id_number = models.CharField(max_length=18, db_index=True)
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("注册验证码")
        verbose_name_plural = pgettext_lazy("models", "注册验证码")

    def __str__(self) -> str:
        return f"{self.via}:{mask_id_number(self.id_number)}"
