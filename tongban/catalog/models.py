"""Catalog: items (事项) and their immutable versions.

The item files under ``catalog/items/`` are the reviewed source; loading them (data migration,
``tongban catalog-load``, the demo) and administrators' edits in the admin both append an
``ItemVersion``. A case stores the version it was filed under and reads it back with
``item_version_get``; a version's spec is never changed once written.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.common.roles import Department


class Origin(models.TextChoices):
    """Where a version came from."""

    FILE = "file", _("数据文件")
    ADMIN = "admin", _("管理员编辑")


class Item(models.Model):
    """A catalog item; its current version is the one published to the public and to new cases.

    Name and department are copied from the current version so lists can sort and search
    without parsing JSON.
    """

    code = models.CharField(_("事项编码"), max_length=48, unique=True)
    name_zh = models.CharField(_("事项名称"), max_length=120)
    name_en = models.CharField(_("英文名称"), max_length=200)
    department = models.CharField(_("部门"), max_length=16, choices=Department.choices)
    current_version = models.PositiveIntegerField(_("现行版本"), default=1)
    published = models.BooleanField(_("已发布"), default=True)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["department", "code"]
        verbose_name = _("事项")
        verbose_name_plural = _("事项")

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"


class ItemVersion(models.Model):
    """One immutable version of an item's spec (``ItemSpec`` as JSON)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="versions", verbose_name=_("事项"))
    version = models.PositiveIntegerField(_("版本号"))
    spec = models.JSONField(_("规格"))
    digest = models.CharField(_("内容摘要"), max_length=64)
    origin = models.CharField(_("来源"), max_length=8, choices=Origin.choices)
    source_file = models.CharField(_("数据文件"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("修改人")
    )
    note = models.CharField(_("修订说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["item", "-version"]
        constraints = [models.UniqueConstraint(fields=["item", "version"], name="catalog_itemversion_unique")]
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")

    def __str__(self) -> str:
        return f"{self.item_id} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A case relies on the version it was filed under never changing.
        if self.pk is not None and not self._state.adding:
            raise ValueError("ItemVersion rows are immutable; create a new version instead")
        super().save(*args, **kwargs)
