"""The append-only, hash-chained audit log.

The log is a small, fixed set of parallel chains (``settings.AUDIT_CHAINS``). Each entry belongs to
one chain, has the next sequence number of that chain, and its hash covers its content and the
previous entry's hash in the same chain; each chain's head row records its last sequence number and
hash. So an edited, deleted, inserted or reordered entry, or a cut tail, is found by
``tongban audit verify``, while concurrent writers append to different chains instead of queueing on
one row (docs/adr/0007-audit-chains.md).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongban.common.access import AccessRule


class AuditEntry(models.Model):
    """One audited event: who (masked label), in what role and outlet, did what to which object."""

    chain = models.PositiveSmallIntegerField(_("链"), default=1)
    seq = models.BigIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("操作人编号"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("操作人"), max_length=80, blank=True)
    role = models.CharField(_("角色"), max_length=16, blank=True)
    outlet_code = models.CharField(_("网点"), max_length=32, blank=True)
    action = models.CharField(pgettext_lazy("audit entry", "操作"), max_length=60)
    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.CharField(_("对象"), max_length=64)
    data = models.JSONField(pgettext_lazy("audit entry", "内容"), default=dict)
    prev_hash = models.CharField(_("前一条摘要"), max_length=64)
    hash = models.CharField(_("摘要"), max_length=64)

    ACCESS = AccessRule()  # administrators and auditors only

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        # Insertion order: entries of one object are written one after another under its row lock.
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_entry_chain_seq_unique")]
        # Plain b-tree indexes (db_index on a CharField would add a second, LIKE-pattern index on
        # PostgreSQL that no query here uses, and every append would maintain it).
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="audit_entry_object_idx"),
            models.Index(fields=["object_id"], name="audit_entry_object_id_idx"),
            models.Index(fields=["action"], name="audit_entry_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.chain}.{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The head of one chain: its last sequence number and hash. Locked by one writer at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"chain {self.id} head #{self.seq}"
