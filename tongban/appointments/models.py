"""Appointments (预约): slots per outlet and item group, bookings, queue tickets.

A slot's ``booked`` count only ever changes through a conditional UPDATE
(``... SET booked = booked + 1 WHERE booked < capacity``), and a CHECK constraint makes an
overbooked row impossible to store, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tongban.common.access import AccessRule
from tongban.common.roles import Department


class SlotPlan(models.Model):
    """How an outlet offers appointments for one item group (the department that handles the
    items): counters (windows) × the slot length ÷ minutes per visit = people per slot."""

    outlet = models.ForeignKey("outlets.Outlet", on_delete=models.CASCADE, related_name="slot_plans")
    group = models.CharField(_("业务类别"), max_length=16, choices=Department.choices)
    counters = models.PositiveSmallIntegerField(_("窗口数"), default=1)
    visit_minutes = models.PositiveSmallIntegerField(_("每人办理分钟数"), default=15)
    slot_minutes = models.PositiveSmallIntegerField(_("时段长度（分钟）"), default=30)
    days_ahead = models.PositiveSmallIntegerField(_("提前放号天数"), default=7)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("预约计划")
        verbose_name_plural = _("预约计划")
        constraints = [
            models.UniqueConstraint(fields=["outlet", "group"], name="slot_plan_unique"),
            models.CheckConstraint(
                condition=Q(counters__gte=1) & Q(visit_minutes__gte=1) & Q(slot_minutes__gte=F("visit_minutes")),
                name="slot_plan_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outlet_id}/{self.group}"

    @property
    def capacity(self) -> int:
        return self.counters * (self.slot_minutes // self.visit_minutes)


class Slot(models.Model):
    """A half-open period [start, end) at an outlet for an item group with a fixed capacity."""

    outlet = models.ForeignKey("outlets.Outlet", on_delete=models.CASCADE, related_name="slots")
    group = models.CharField(_("业务类别"), max_length=16, choices=Department.choices)
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    capacity = models.PositiveIntegerField(_("容量"))
    booked = models.PositiveIntegerField(_("已约"), default=0)

    class Meta:
        ordering = ["start"]
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        constraints = [
            models.UniqueConstraint(fields=["outlet", "group", "start"], name="slot_unique_start"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_never_overbooked"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_ends_after_start"),
        ]
        indexes = [models.Index(fields=["outlet", "group", "start"], name="slot_lookup")]

    def __str__(self) -> str:
        return f"{self.outlet_id}/{self.group}@{self.start.isoformat()}"

    @property
    def remaining(self) -> int:
        return self.capacity - self.booked


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CANCELLED = "cancelled", _("已取消")
    CHECKED_IN = "checked_in", _("已签到")
    NO_SHOW = "no_show", _("爽约")


class Appointment(models.Model):
    """One person's booking of one slot for one item. At most one active (booked) booking per
    person per item: a partial unique index, enforced by the database."""

    number = models.CharField(_("预约号"), max_length=20, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    outlet = models.ForeignKey("outlets.Outlet", on_delete=models.PROTECT, related_name="appointments")
    item_code = models.CharField(_("事项编码"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    created_at = models.DateTimeField(_("预约时间"))
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    ticket = models.CharField(_("排队号"), max_length=8, blank=True)

    ACCESS = AccessRule(owner="user_id", outlets=("outlet_id",))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "item_code"],
                condition=Q(status="booked"),
                name="one_active_booking_per_item",
            ),
        ]
        indexes = [models.Index(fields=["outlet", "status"], name="appointment_outlet_status")]

    def __str__(self) -> str:
        return self.number


class QueueCounter(models.Model):
    """The last queue ticket handed out at an outlet on a day (advanced by conditional UPDATE)."""

    outlet = models.ForeignKey("outlets.Outlet", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("排队号计数器")
        verbose_name_plural = _("排队号计数器")
        constraints = [models.UniqueConstraint(fields=["outlet", "day"], name="queue_counter_unique")]

    def __str__(self) -> str:
        return f"{self.outlet_id}@{self.day}: {self.last}"
