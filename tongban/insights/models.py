"""The figures, rolled up from the cases and ratings so that a dashboard reads a few thousand rows,
never millions (docs/adr/0009-figures-rollups.md).

- ``CaseFact``: one row per case, what the figures need of it (its outlet and district, the local
  days it was submitted, accepted, decided and closed, whether the decision was on time, its
  handling time in working days, visits...), kept up to date from the case history.
- ``Figure``: additive counts per local day (grain ``d``) and per month (``m``) in five cubes:
  ``f`` by outlet × district × department × item, ``a`` by district × department × item, ``o``
  by outlet × district × department, and the coarse ``i`` (department × item) and ``d``
  (district × department). A query reads the smallest cube whose key holds its filters and
  breakdown, and whole months from the month rows.
- ``FigureHist``: the handling-time histograms (working days 0..30, then one bin with its sum)
  of every cube but ``o``, from which medians and winsorised means are exact.
- ``RefreshState``: how far the change feeds have been read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.common.access import AccessRule
from tongban.common.roles import Department

CHANNELS = ("online", "window", "kiosk", "phone")
CASE_MEASURES = (
    "received",
    *(f"rc_{c}" for c in CHANNELS),
    "id_card_only",
    "zero_materials",
    "accepted",
    "refused",
    "withdrawn",
    "decided",
    "timed",
    "on_time",
    "completed",
    "visits",
    "one_visit",
    "window_timed",
    "window_seconds",
)
# Kept in step with tongban.feedback.selectors.RATING_MEASURES (a test checks).
RATING_MEASURES = (
    "rated",
    "r5",
    "r4",
    "r3",
    "r2",
    "r1",
    "bad",
    "voided",
    "fu_opened",
    "fu_contacted",
    "fu_founded",
    "fu_rectified",
    "fu_answered",
    "fu_late",
    "answer_rated",
    "answer_good",
    "appeals",
    "appeals_upheld",
)
MEASURES = (*CASE_MEASURES, *RATING_MEASURES)
HIST_MAX = 30  # working days with a bin each; longer ones share one bin that also keeps their sum
HIST_KINDS = ("hs", "ha")  # from submission, from acceptance
HIST_MEASURES = tuple(
    name
    for kind in HIST_KINDS
    for name in (*(f"{kind}_{v}" for v in range(HIST_MAX + 1)), f"{kind}_over", f"{kind}_oversum")
)
KEY = ("outlet_id", "district", "department", "item_code")
CUBE_KEYS = {"f": KEY, "a": ("district", "department", "item_code"), "o": ("outlet_id", "district", "department")}
# Coarse cubes for long periods and wide scopes, summed from the ``a`` rows in the database: ``i``
# by department × item (the city's trend, items and departments), ``d`` by district × department.
DERIVED_KEYS = {"i": ("department", "item_code"), "d": ("district", "department")}


def _counts(names: tuple[str, ...], model: str) -> type[models.Model]:
    """An abstract model with one integer column (default 0) per name: the measures are a list,
    not a hundred hand-written lines."""
    attrs: dict[str, Any] = {name: models.IntegerField(default=0) for name in names}
    attrs["__module__"] = __name__
    attrs["Meta"] = type("Meta", (), {"abstract": True})
    return type(model, (models.Model,), attrs)


class CaseFact(models.Model):
    """What the figures know of one case (rebuilt from the case whenever its history grows)."""

    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="+")
    item_code = models.CharField(max_length=48)
    department = models.CharField(max_length=16, choices=Department.choices)
    channel = models.CharField(max_length=8)
    status = models.CharField(max_length=24)
    # The outlet the figures count the case under: where it was accepted, else where it is handled.
    outlet_id = models.BigIntegerField(null=True)
    district = models.CharField(max_length=6, blank=True)
    submitted_day = models.DateField()
    accepted_day = models.DateField(null=True)
    decided_day = models.DateField(null=True)
    closed_day = models.DateField(null=True)
    on_time = models.BooleanField(null=True)  # decided before its (pause-extended) deadline; None: no timed decision
    wd_submit = models.SmallIntegerField(null=True)  # working days from submission to decision
    wd_accept = models.SmallIntegerField(null=True)  # working days from acceptance to decision
    id_card_only = models.BooleanField(default=False)
    zero_materials = models.BooleanField(default=False)
    visits = models.SmallIntegerField(default=0)
    window_timed = models.SmallIntegerField(default=0)
    window_seconds = models.IntegerField(default=0)
    open_deadline = models.DateTimeField(null=True)  # the running deadline of an open case

    ACCESS = AccessRule(outlets=("outlet_id",), department="department", heads="read")

    class Meta:
        verbose_name = _("办件统计事实")
        verbose_name_plural = _("办件统计事实")
        indexes = [
            models.Index(fields=["submitted_day"], name="fact_submitted"),
            models.Index(fields=["accepted_day"], name="fact_accepted", condition=Q(accepted_day__isnull=False)),
            models.Index(fields=["decided_day"], name="fact_decided", condition=Q(decided_day__isnull=False)),
            models.Index(fields=["closed_day"], name="fact_closed", condition=Q(closed_day__isnull=False)),
            models.Index(fields=["open_deadline"], name="fact_open", condition=Q(open_deadline__isnull=False)),
            # "Open overdue cases" of a scope is counted live: small indexes over the open cases
            # only, so that a department, a district (of a department head), an outlet or an item
            # reads its own open cases, not every open case of the city.
            *(
                models.Index(fields=[*keys, "open_deadline"], name=name, condition=Q(open_deadline__isnull=False))
                for keys, name in (
                    (["outlet_id"], "fact_open_outlet"),
                    (["district", "department"], "fact_open_district"),
                    (["department"], "fact_open_department"),
                    (["item_code"], "fact_open_item"),
                )
            ),
        ]

    def __str__(self) -> str:
        return f"fact {self.pk}"


class Figure(_counts(MEASURES, "FigureCounts")):  # type: ignore[misc]
    """Additive counts of one cube cell for one day or month (see the module docstring)."""

    cube: models.CharField[str, str] = models.CharField(max_length=1)
    grain: models.CharField[str, str] = models.CharField(max_length=1)
    period: models.DateField[dt.date, dt.date] = models.DateField()
    outlet_id: models.BigIntegerField[int | None, int | None] = models.BigIntegerField(null=True)
    district: models.CharField[str, str] = models.CharField(max_length=6, blank=True)
    department: models.CharField[str, str] = models.CharField(max_length=16, blank=True)
    item_code: models.CharField[str, str] = models.CharField(max_length=48, blank=True)

    ACCESS = AccessRule(outlets=("outlet_id",), department="department", heads="read")

    class Meta:
        verbose_name = _("统计指标")
        verbose_name_plural = _("统计指标")
        indexes = [
            models.Index(fields=["cube", "grain", "period"], name="figure_period"),
            models.Index(fields=["cube", "grain", "outlet_id", "period"], name="figure_outlet"),
            models.Index(fields=["cube", "grain", "item_code", "period"], name="figure_item"),
            models.Index(fields=["cube", "grain", "district", "period"], name="figure_district"),
            models.Index(fields=["cube", "grain", "department", "period"], name="figure_department"),
        ]

    def __str__(self) -> str:
        return f"{self.cube}{self.grain} {self.period}"


class FigureHist(_counts(HIST_MEASURES, "FigureHistCounts")):  # type: ignore[misc]
    """Handling-time histograms of one cell of a cube (not ``o``) for one day or month."""

    cube: models.CharField[str, str] = models.CharField(max_length=1)
    grain: models.CharField[str, str] = models.CharField(max_length=1)
    period: models.DateField[dt.date, dt.date] = models.DateField()
    outlet_id: models.BigIntegerField[int | None, int | None] = models.BigIntegerField(null=True)
    district: models.CharField[str, str] = models.CharField(max_length=6, blank=True)
    department: models.CharField[str, str] = models.CharField(max_length=16, blank=True)
    item_code: models.CharField[str, str] = models.CharField(max_length=48, blank=True)

    ACCESS = AccessRule(outlets=("outlet_id",), department="department", heads="read")

    class Meta:
        verbose_name = _("统计指标分布")
        verbose_name_plural = _("统计指标分布")
        indexes = [
            models.Index(fields=["cube", "grain", "period"], name="figurehist_period"),
            models.Index(fields=["cube", "grain", "outlet_id", "period"], name="figurehist_outlet"),
            models.Index(fields=["cube", "grain", "item_code", "period"], name="figurehist_item"),
            models.Index(fields=["cube", "grain", "district", "period"], name="figurehist_district"),
            models.Index(fields=["cube", "grain", "department", "period"], name="figurehist_department"),
        ]

    def __str__(self) -> str:
        return f"hist {self.cube}{self.grain} {self.period}"


class RefreshState(models.Model):
    """How far the figures have read the case history and the rating history (one row)."""

    name = models.CharField(_("名称"), max_length=20, primary_key=True, default="figures")
    case_mark = models.BigIntegerField(_("办件流转已读至"), default=0)
    rating_mark = models.BigIntegerField(_("评价事件已读至"), default=0)
    refreshed_at = models.DateTimeField(_("刷新时间"), null=True)
    last_seconds = models.FloatField(_("上次用时（秒）"), default=0.0)
    last_cases = models.IntegerField(_("上次重算办件数"), default=0)
    last_days = models.IntegerField(_("上次重算天数"), default=0)

    class Meta:
        verbose_name = _("数据刷新状态")
        verbose_name_plural = _("数据刷新状态")

    def __str__(self) -> str:
        return f"{self.name} @ {self.refreshed_at}"
