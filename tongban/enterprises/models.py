"""Enterprises and their fleets (企业与车队).

``Enterprise`` and ``FleetVehicle`` are registry records (市场监管 business register and 车管
vehicle register, as the synthetic city generates them): read by services, never written from a
page. ``Membership`` makes real-name citizens an enterprise's administrators or members.
``TruckPass`` records, per truck-pass case, the rule derived from the vehicle record and printed
on the pass. ``LiaisonRequest`` is a problem an enterprise files with its liaison officer
(项目警长 / 驻企联络员): open → replied → resolved (or reopened).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongban.common.access import AccessRule
from tongban.common.roles import Department


class Enterprise(models.Model):
    """A business on the register, known by its unified social credit code (GB 32100)."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("企业名称"), max_length=100)
    region_code = models.CharField(_("所在地区划"), max_length=6)
    address = models.CharField(_("住所"), max_length=200)
    registered_on = models.DateField(_("成立日期"))
    liaison = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="liaison_enterprises",
        verbose_name=_("驻企联络员"),
    )

    ACCESS = AccessRule(person="memberships__person", staff_all=True)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = pgettext_lazy("models", "企业")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("管理员")
    MEMBER = "member", _("成员")


class Membership(models.Model):
    """A real-name citizen acting for an enterprise: administrators apply and manage members."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("企业")
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="enterprise_memberships", verbose_name=_("人员")
    )
    role = models.CharField(_("身份"), max_length=8, choices=MemberRole.choices)
    added_at = models.DateTimeField(_("加入时间"))

    ACCESS = AccessRule(person="enterprise__memberships__person", staff_all=True)

    class Meta:
        verbose_name = _("企业成员")
        verbose_name_plural = _("企业成员")
        constraints = [models.UniqueConstraint(fields=["enterprise", "person"], name="membership_once")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}:{self.role}"


class Body(models.TextChoices):
    VAN = "van", _("厢式货车")
    BOX = "box", _("仓栅式货车")
    FLATBED = "flatbed", _("平板货车")
    TANKER = "tanker", _("罐式货车")
    DUMP = "dump", _("自卸货车")
    OTHER = "other", _("其他")


class FleetVehicle(models.Model):
    """A truck registered to an enterprise (车管 register): body, length and gross mass decide its
    class on a pass."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("企业")
    )
    plate = models.CharField(_("号牌号码"), max_length=10, unique=True)
    body = models.CharField(_("车身形式"), max_length=10, choices=Body.choices)
    length_mm = models.PositiveIntegerField(_("车长 (mm)"))
    gross_kg = models.PositiveIntegerField(_("总质量 (kg)"))
    registered_on = models.DateField(_("注册日期"))

    ACCESS = AccessRule(person="enterprise__memberships__person", staff_all=True)

    class Meta:
        verbose_name = _("企业车辆")
        verbose_name_plural = _("企业车辆")
        ordering = ["plate"]

    def __str__(self) -> str:
        return self.plate


class TruckPass(models.Model):
    """One truck-pass case for one vehicle, with the rule printed on its pass."""

    case_number = models.CharField(_("办件编号"), max_length=32, unique=True)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="passes", verbose_name=_("企业"))
    vehicle = models.ForeignKey(FleetVehicle, on_delete=models.PROTECT, related_name="passes", verbose_name=_("车辆"))
    applied_by = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    truck_class = models.CharField(_("通行类别"), max_length=8)
    night_window = models.CharField(_("夜间通行时段"), max_length=11, blank=True)
    hours = models.CharField(_("通行时段"), max_length=200)
    area = models.CharField(_("通行区域"), max_length=100)
    start_on = models.DateField(_("起始日期"))
    days = models.PositiveSmallIntegerField(_("有效天数"))
    applied_at = models.DateTimeField(_("申请时间"))

    ACCESS = AccessRule(person="enterprise__memberships__person", department="department", staff_all=True)
    department = models.CharField(_("承办部门"), max_length=16, choices=Department.choices, default=Department.JIAOGUAN)

    class Meta:
        verbose_name = _("货车通行证")
        verbose_name_plural = _("货车通行证")
        ordering = ["-applied_at", "case_number"]

    def __str__(self) -> str:
        return self.case_number


class LiaisonStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    REPLIED = "replied", _("已答复")
    RESOLVED = "resolved", _("已解决")


class LiaisonRequest(models.Model):
    """A problem an enterprise brings to its liaison officer; the officer replies, the enterprise
    (or the officer) marks it resolved, or the enterprise reopens it."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="liaison_requests", verbose_name=_("企业")
    )
    filed_by = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("提交人")
    )
    subject = models.CharField(pgettext_lazy("liaison", "问题"), max_length=100)
    body = models.TextField(_("问题描述"), max_length=2000)
    status = models.CharField(_("状态"), max_length=10, choices=LiaisonStatus.choices, default=LiaisonStatus.OPEN)
    reply = models.TextField(_("答复"), blank=True, max_length=2000)
    officer = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("驻企联络员")
    )
    department = models.CharField(_("承办部门"), max_length=16, choices=Department.choices, default=Department.ZHIAN)
    filed_at = models.DateTimeField(_("提交时间"))
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)

    ACCESS = AccessRule(person="enterprise__memberships__person", department="department")

    class Meta:
        verbose_name = _("驻企联络诉求")
        verbose_name_plural = _("驻企联络诉求")
        ordering = ["-filed_at", "-pk"]

    def __str__(self) -> str:
        return self.subject
