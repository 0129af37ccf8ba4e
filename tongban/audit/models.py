"""The append-only, hash-chained audit log.

Each entry's hash covers its content and the previous entry's hash, and the chain head records
the last sequence number and hash, so an edited, deleted, inserted or reordered entry, or a cut
tail, is found by ``tongban audit verify``.
"""

from __future__ import annotations

from django.db import models

from tongban.common.access import AccessRule


class AuditEntry(models.Model):
    """One audited event: who (masked label), in what role and outlet, did what to which object."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=80, blank=True)
    role = models.CharField(max_length=16, blank=True)
    outlet_code = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, db_index=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    ACCESS = AccessRule()  # administrators and auditors only

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The single row that serialises appends and remembers the end of the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"
