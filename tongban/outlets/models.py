"""Outlets (网点): police stations, service halls, kiosks and hospitals where items are handled."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.common.roles import OutletKind as OutletKind  # the catalog names these too


def default_hours() -> dict[str, Any]:
    """Office hours of a staffed window: weekdays with a lunch break (tongban.outlets.geo.hours)."""
    day = "09:00-12:00,13:30-17:30"
    return {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "holiday": ""}


class Outlet(models.Model):
    """A place where people are served; staff accounts are scoped to one.

    Coordinates are stored in WGS-84; GCJ-02 (for Chinese basemaps) is derived when shown and
    converted back when an administrator enters it (tongban.outlets.geo.coords).
    """

    code = models.CharField(_("网点编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=32, choices=OutletKind.choices)
    region_code = models.CharField(_("所属区县代码"), max_length=6, db_index=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度 (WGS-84)"), null=True, blank=True)
    lng = models.FloatField(_("经度 (WGS-84)"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    phone = models.CharField(_("咨询电话"), max_length=20, blank=True)
    hours = models.JSONField(_("办公时间"), default=default_hours, blank=True)
    extended_hours = models.BooleanField(_("延时服务"), default=False)
    home_visit = models.BooleanField(_("上门服务"), default=False)
    bookable = models.BooleanField(_("可预约"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("网点")
        verbose_name_plural = _("网点")

    def __str__(self) -> str:
        return self.name


class OutletItem(models.Model):
    """An item (事项, by catalog code) that an outlet can accept. Linked by code, not by key:
    catalog items are versioned data, and the code is their stable name."""

    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="items")
    item_code = models.CharField(_("事项编码"), max_length=64, db_index=True)

    class Meta:
        verbose_name = _("网点可办事项")
        verbose_name_plural = _("网点可办事项")
        constraints = [
            models.UniqueConstraint(fields=["outlet", "item_code"], name="outlet_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.outlet_id}:{self.item_code}"
