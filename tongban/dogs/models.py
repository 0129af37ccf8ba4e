"""Dogs: violations an officer records against a dog licence (a DOG certificate), seen by the
licence holder, and reports of a problem dog from the public, followed up by the station."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.common.access import AccessRule
from tongban.common.roles import Department


class ViolationKind(models.TextChoices):
    NO_LEASH = "no_leash", _("出户未束犬链")
    DANGEROUS_BREED = "dangerous_breed", _("禁养犬只")
    OTHER = "other", _("其他违规")


class Violation(models.Model):
    """One violation recorded by a 治安 officer against a dog licence."""

    certificate = models.ForeignKey(
        "certificates.Certificate", on_delete=models.PROTECT, related_name="dog_violations", verbose_name=_("犬证")
    )
    chip = models.CharField(_("芯片号"), max_length=20)
    kind = models.CharField(_("违规类型"), max_length=16, choices=ViolationKind.choices)
    place = models.CharField(_("地点"), max_length=100)
    note = models.CharField(_("补充说明"), max_length=300, blank=True)
    department = models.CharField(_("部门"), max_length=16, choices=Department.choices, default=Department.ZHIAN)
    recorded_at = models.DateTimeField(_("记录时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )

    ACCESS = AccessRule(person="certificate__holder_person", department="department")

    class Meta:
        verbose_name = _("养犬违规记录")
        verbose_name_plural = _("养犬违规记录")
        ordering = ("-recorded_at", "-id")

    def __str__(self) -> str:
        return f"{self.chip} {self.kind}"


class ReportState(models.TextChoices):
    OPEN = "open", _("待处理")
    CLOSED = "closed", _("已办结")


class Report(models.Model):
    """A report of a problem dog from anyone (logged in or not); a 治安 officer closes it."""

    place = models.CharField(_("地点"), max_length=100)
    description = models.CharField(_("情况描述"), max_length=500)
    contact = models.CharField(_("联系电话"), max_length=20, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("举报人"),
    )
    department = models.CharField(_("部门"), max_length=16, choices=Department.choices, default=Department.ZHIAN)
    state = models.CharField(_("状态"), max_length=8, choices=ReportState.choices, default=ReportState.OPEN)
    created_at = models.DateTimeField(_("提交时间"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("办结人"),
    )
    close_note = models.CharField(_("处理结果"), max_length=300, blank=True)

    ACCESS = AccessRule(owner="reporter", department="department")

    class Meta:
        verbose_name = _("问题犬只举报")
        verbose_name_plural = _("问题犬只举报")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.pk} {self.state}"
