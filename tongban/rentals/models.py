"""微安居 rental housing: declared properties, tenancies and the hazards found at inspection.

A landlord (a real-name citizen) declares a property at an address of the registry; the police
station of the address (its 治安 officers) approves or refuses it. An approved property has a QR
poster whose signed token lets a tenant declare moving in; the landlord confirms or disputes the
declaration, and the tenant later declares moving out. Tenancy records are a registry source for
other items (the 居住证 half-year residence check). Hazards an officer records are pushed to the
landlord, rectified, and closed or reopened; an open hazard past its deadline is overdue.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.common.access import AccessRule
from tongban.common.roles import Department


class PropertyState(models.TextChoices):
    """Where a declared property stands."""

    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REFUSED = "refused", _("未通过")
    CLOSED = "closed", _("已停止出租")


class PropertyUse(models.TextChoices):
    RESIDENTIAL = "residential", _("居住")
    DORMITORY = "collective_dormitory", _("集体宿舍")
    COMMERCIAL = "commercial", _("商住两用")


class OwnershipSource(models.TextChoices):
    """How ownership was shown: the registry (the landlord's registered household is at this
    address) or the number of a property certificate the landlord gave."""

    REGISTRY = "registry", _("户籍登记地址（系统核验）")
    CERTIFICATE = "certificate", _("不动产权证书")


class RentalProperty(models.Model):
    """One property a landlord lets, at one registry address, reviewed by the station there."""

    number = models.CharField(_("房屋编号"), max_length=20, unique=True)
    landlord = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("房东账号")
    )
    landlord_person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("房东")
    )
    address = models.ForeignKey(
        "registry.Address", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋地址")
    )
    district_code = models.CharField(_("区县代码"), max_length=6, db_index=True)
    community_code = models.CharField(_("社区代码"), max_length=12)
    station = models.ForeignKey(
        "outlets.Outlet", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    department = models.CharField(_("部门"), max_length=16, choices=Department.choices, default=Department.ZHIAN)
    rooms = models.PositiveSmallIntegerField(_("出租间数"))
    capacity = models.PositiveSmallIntegerField(_("可住人数"))
    use = models.CharField(_("出租用途"), max_length=24, choices=PropertyUse.choices, default=PropertyUse.RESIDENTIAL)
    ownership = models.CharField(_("产权证明"), max_length=12, choices=OwnershipSource.choices)
    ownership_ref = models.CharField(_("证明编号"), max_length=40)
    state = models.CharField(_("状态"), max_length=12, choices=PropertyState.choices, default=PropertyState.PENDING)
    declared_at = models.DateTimeField(_("申报时间"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("审核人")
    )
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    # Signed into the QR token; reset on close.
    token_nonce = models.CharField(_("二维码随机数"), max_length=16, blank=True)

    ACCESS = AccessRule(owner="landlord", outlets=("station",), department="department")

    class Meta:
        ordering = ["-declared_at", "-pk"]
        verbose_name = _("出租房屋")
        verbose_name_plural = _("出租房屋")
        constraints = [
            models.UniqueConstraint(
                fields=["address"],
                condition=Q(state__in=["pending", "approved"]),
                name="rental_one_live_declaration_per_address",
            ),
        ]
        indexes = [models.Index(fields=["state", "district_code"], name="rental_state_district")]

    def __str__(self) -> str:
        return self.number


class TenancyState(models.TextChoices):
    """Where a tenant's declaration stands."""

    DECLARED = "declared", _("待房东确认")
    CONFIRMED = "confirmed", _("已确认")
    DISPUTED = "disputed", _("房东有异议")
    ENDED = "ended", _("已搬离")


class Tenancy(models.Model):
    """A tenant's stay at a property: declared by the tenant from the QR code, confirmed or
    disputed by the landlord, ended by the tenant's move-out declaration."""

    property = models.ForeignKey(
        RentalProperty, on_delete=models.PROTECT, related_name="tenancies", verbose_name=_("出租房屋")
    )
    tenant = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("房客账号"))
    tenant_person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("房客")
    )
    moved_in_on = models.DateField(_("入住日期"))
    moved_out_on = models.DateField(_("搬离日期"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=TenancyState.choices, default=TenancyState.DECLARED)
    declared_at = models.DateTimeField(_("申报时间"))
    answered_at = models.DateTimeField(_("房东答复时间"), null=True, blank=True)
    dispute_note = models.CharField(_("异议说明"), max_length=200, blank=True)

    ACCESS = AccessRule(
        person="tenant_person",
        owner="property__landlord",
        outlets=("property__station",),
        department="property__department",
    )

    class Meta:
        ordering = ["-moved_in_on", "-pk"]
        verbose_name = _("租住记录")
        verbose_name_plural = _("租住记录")
        constraints = [
            models.UniqueConstraint(
                fields=["property", "tenant_person"],
                condition=Q(state__in=["declared", "confirmed"]),
                name="rental_one_live_tenancy_per_tenant_property",
            ),
            models.CheckConstraint(
                condition=Q(moved_out_on__isnull=True) | Q(moved_out_on__gte=models.F("moved_in_on")),
                name="rental_tenancy_out_after_in",
            ),
        ]
        indexes = [models.Index(fields=["tenant_person", "state"], name="rental_tenancy_person")]

    def __str__(self) -> str:
        return f"{self.property_id}:{self.tenant_person_id}"


class HazardKind(models.TextChoices):
    FIRE = "fire", _("消防设施缺失")
    ELECTRIC = "electric", _("私拉乱接电线")
    GAS = "gas", _("燃气使用不规范")
    ESCAPE = "escape", _("疏散通道堵塞")
    EBIKE = "ebike", _("电动车室内充电")
    CROWDED = "crowded", _("群租超员")
    OTHER = "other", _("其他隐患")


class HazardState(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFIED = "rectified", _("已报整改")
    CLOSED = "closed", _("已销号")


class Hazard(models.Model):
    """A hazard an officer found at a property, pushed to the landlord with a deadline in
    working days; the landlord reports rectification, the officer closes or reopens it."""

    property = models.ForeignKey(
        RentalProperty, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("出租房屋")
    )
    kind = models.CharField(_("隐患类型"), max_length=12, choices=HazardKind.choices)
    note = models.CharField(_("隐患描述"), max_length=300)
    photo = models.BinaryField(_("现场照片"), null=True, blank=True, editable=False)
    state = models.CharField(_("状态"), max_length=12, choices=HazardState.choices, default=HazardState.OPEN)
    recorded_at = models.DateTimeField(_("发现时间"))
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    due_at = models.DateTimeField(_("整改期限"))
    working_days = models.PositiveSmallIntegerField(_("整改工作日"))
    rectification_note = models.CharField(_("整改说明"), max_length=300, blank=True)
    rectification_photo = models.BinaryField(_("整改照片"), null=True, blank=True, editable=False)
    rectified_at = models.DateTimeField(_("报整改时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    reminded_at = models.DateTimeField(_("逾期提醒时间"), null=True, blank=True)

    ACCESS = AccessRule(owner="property__landlord", outlets=("property__station",), department="property__department")

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = _("房屋隐患")
        verbose_name_plural = _("房屋隐患")
        indexes = [models.Index(fields=["state", "due_at"], name="rental_hazard_due")]

    def __str__(self) -> str:
        return f"{self.property_id}:{self.kind}"


class RentalNotice(models.Model):
    """通知通告: a notice a 治安 officer publishes to an area (a district, street or community of
    the registry's region tree); it reaches the landlords of approved properties and the tenants
    living there at the moment it is published (its recipients)."""

    station = models.ForeignKey(
        "outlets.Outlet", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )
    department = models.CharField(max_length=16, choices=Department.choices, default=Department.ZHIAN)
    area = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("通知范围"))
    title = models.CharField(_("标题"), max_length=60)
    body = models.TextField(_("正文"), max_length=1000)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recipients: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "accounts.User", related_name="+", through="RentalNoticeRecipient"
    )

    ACCESS = AccessRule(outlets=("station",), department="department")

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("通知通告")
        verbose_name_plural = _("通知通告")

    def __str__(self) -> str:
        return self.title


class RentalNoticeRecipient(models.Model):
    """One person a notice reached (one row, and one message, per person per notice)."""

    notice = models.ForeignKey(RentalNotice, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("通知接收人")
        verbose_name_plural = _("通知接收人")
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="rental_notice_once_per_person")]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.user_id}"


class QuestionState(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")


class RentalQuestion(models.Model):
    """问题帮助: a signed-in citizen's question to a police station, answered by its 治安 officers."""

    asker = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey("outlets.Outlet", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所"))
    department = models.CharField(max_length=16, choices=Department.choices, default=Department.ZHIAN)
    text = models.CharField(_("问题"), max_length=500)
    state = models.CharField(_("状态"), max_length=12, choices=QuestionState.choices, default=QuestionState.OPEN)
    asked_at = models.DateTimeField(_("提问时间"))
    answer = models.CharField(_("答复"), max_length=1000, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    ACCESS = AccessRule(owner="asker", outlets=("station",), department="department")

    class Meta:
        ordering = ["-asked_at", "-pk"]
        verbose_name = _("咨询问题")
        verbose_name_plural = _("咨询问题")
        indexes = [models.Index(fields=["station", "state"], name="rental_question_station")]

    def __str__(self) -> str:
        return f"{self.pk}:{self.state}"


class RentalLimits(models.Model):
    """The thresholds of 微安居 an administrator changes in the admin (one row, pk 1): rules a
    bureau sets are data, not code. The 居住证 half-year residence itself is the residence-permit
    item's eligibility rule (catalog data); the months it reads come from here (``stay_gap_days``)."""

    max_rooms = models.PositiveSmallIntegerField(_("出租间数上限"), default=200)
    max_per_room = models.PositiveSmallIntegerField(
        _("每间可住人数上限"), default=6, help_text=_("可住人数超过 间数×此数 视为群租，不予申报")
    )
    hazard_default_days = models.PositiveSmallIntegerField(_("隐患整改默认期限（工作日）"), default=5)
    hazard_max_days = models.PositiveSmallIntegerField(_("隐患整改最长期限（工作日）"), default=30)
    overdue_remind_every_days = models.PositiveSmallIntegerField(
        _("逾期隐患再次提醒间隔（天）"), default=0, help_text=_("0：每个整改期限只提醒一次")
    )
    move_in_backdate_days = models.PositiveSmallIntegerField(_("入住日期最多可追溯（天）"), default=366)
    stay_gap_days = models.PositiveSmallIntegerField(
        _("连续居住允许间隔（天）"), default=1, help_text=_("前后两段租住相隔不超过此天数，居住时间连续计算")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("微安居参数")
        verbose_name_plural = _("微安居参数")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="rental_limits_single_row"),
            models.CheckConstraint(
                condition=Q(max_rooms__gte=1)
                & Q(max_per_room__gte=1)
                & Q(hazard_default_days__gte=1)
                & Q(hazard_max_days__gte=models.F("hazard_default_days"))
                & Q(move_in_backdate_days__gte=1),
                name="rental_limits_sane",
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
