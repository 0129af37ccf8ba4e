"""The ledger of stored files: one row per object the application wrote, with its SM3 digest.

Written by the storage backends (``tongban.storage.backends``) in the same transaction as the row
that references the file, so a rolled-back write leaves no ledger row either. ``tongban storage
reconcile`` compares ledger, references and the bucket (G9).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    """One stored object: its name in the store, size and SM3 digest when written."""

    name = models.CharField(_("对象名称"), max_length=255, unique=True)
    size = models.BigIntegerField(_("字节数"))
    sm3 = models.CharField(_("SM3 摘要"), max_length=64)
    stored_at = models.DateTimeField(_("写入时间"))

    class Meta:
        verbose_name = _("存储文件")
        verbose_name_plural = _("存储文件")

    def __str__(self) -> str:
        return self.name
