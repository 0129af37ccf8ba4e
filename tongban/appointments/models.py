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
from django.utils.translation import pgettext_lazy

from tongban.common.access import AccessRule
from tongban.common.clock import SHANGHAI
from tongban.common.roles import Department


class SlotPlan(models.Model):
    """How an outlet offers appointments for one item group (the department that handles the
    items): counters (windows) × the slot length ÷ minutes per visit = people per slot."""

    outlet = models.ForeignKey(
        "outlets.Outlet", on_delete=models.CASCADE, related_name="slot_plans", verbose_name=_("网点")
    )
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


class SpecialSession(models.Model):
    """专场: an appointment plan of its own at an outlet for an item group (e.g. for this year's
    college-entrance exam students), with a label shown on the booking page and who may book it
    (an age range read from the ID number; ``note`` says it in words). Its slots carry ``session``;
    they are booked like any slot, by eligible people only."""

    outlet = models.ForeignKey(
        "outlets.Outlet", on_delete=models.CASCADE, related_name="special_sessions", verbose_name=_("网点")
    )
    group = models.CharField(_("业务类别"), max_length=16, choices=Department.choices)
    label_zh = models.CharField(_("专场名称"), max_length=60)
    label_en = models.CharField(_("专场名称（英文）"), max_length=80)
    note_zh = models.CharField(_("适用人群"), max_length=200, blank=True)
    note_en = models.CharField(_("适用人群（英文）"), max_length=240, blank=True)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("最高年龄"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("专场")
        verbose_name_plural = _("专场")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=F("max_age")),
                name="special_session_ages",
            )
        ]

    def __str__(self) -> str:
        return self.label_zh


class Slot(models.Model):
    """A half-open period [start, end) at an outlet for an item group with a fixed capacity
    (of a 专场 when ``session`` is set)."""

    outlet = models.ForeignKey("outlets.Outlet", on_delete=models.CASCADE, related_name="slots", verbose_name=_("网点"))
    group = models.CharField(_("业务类别"), max_length=16, choices=Department.choices)
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    capacity = models.PositiveIntegerField(_("容量"))
    booked = models.PositiveIntegerField(_("已约"), default=0)
    session = models.ForeignKey(
        SpecialSession, null=True, blank=True, on_delete=models.CASCADE, related_name="slots", verbose_name=_("专场")
    )

    class Meta:
        ordering = ["start"]
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "group", "start"], condition=Q(session__isnull=True), name="slot_unique_start"
            ),
            models.UniqueConstraint(fields=["session", "start"], name="slot_session_unique_start"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_never_overbooked"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_ends_after_start"),
        ]
        indexes = [models.Index(fields=["outlet", "group", "start"], name="slot_lookup")]

    def __str__(self) -> str:
        return self.period

    @property
    def period(self) -> str:
        """The period as people read it, in Shanghai time: ``2026-12-12 09:30–10:00``."""
        start, end = self.start.astimezone(SHANGHAI), self.end.astimezone(SHANGHAI)
        tail = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
        return f"{start:%Y-%m-%d %H:%M}–{tail}"

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
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("预约人")
    )
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("时段"))
    outlet = models.ForeignKey(
        "outlets.Outlet", on_delete=models.PROTECT, related_name="appointments", verbose_name=_("网点")
    )
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
        verbose_name = pgettext_lazy("model", "预约")
        verbose_name_plural = pgettext_lazy("models", "预约")
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


class HomeVisitState(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    SCHEDULED = "scheduled", _("已安排")
    DONE = "done", _("已上门")
    CANCELLED = "cancelled", _("已取消")


class HomeVisit(models.Model):
    """上门办: a citizen asks the outlet to come to their home for an item that allows it; the
    outlet's staff set a visit time (the citizen is notified), then record the visit."""

    number = models.CharField(_("上门申请号"), max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="home_visits", verbose_name=_("申请人")
    )
    outlet = models.ForeignKey(
        "outlets.Outlet", on_delete=models.PROTECT, related_name="home_visits", verbose_name=_("网点")
    )
    item_code = models.CharField(_("事项编码"), max_length=64)
    address = models.CharField(_("上门地址"), max_length=200)
    phone = models.CharField(_("联系电话"), max_length=20)
    reason = models.CharField(_("申请理由"), max_length=300)
    state = models.CharField(_("状态"), max_length=12, choices=HomeVisitState.choices, default=HomeVisitState.REQUESTED)
    requested_at = models.DateTimeField(_("申请时间"))
    visit_at = models.DateTimeField(_("上门时间"), null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("安排人"),
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    ACCESS = AccessRule(owner="user_id", outlets=("outlet_id",))

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("上门办")
        verbose_name_plural = _("上门办")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "item_code"],
                condition=Q(state__in=["requested", "scheduled"]),
                name="one_open_home_visit_per_item",
            ),
        ]
        indexes = [models.Index(fields=["outlet", "state", "requested_at"], name="home_visit_outlet_state")]

    def __str__(self) -> str:
        return self.number
