"""Issued electronic certificates and their per-template number counters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.certificates.core.revocation import REASONS
from tongban.common.access import AccessRule
from tongban.common.masking import mask_id_number, mask_name
from tongban.common.roles import Department

REASON_CHOICES = [(code, _(zh)) for code, (zh, _en) in REASONS.items()]


class Certificate(models.Model):
    """An issued certificate: the full document (holder stored in full, shown masked), its
    signed token and key id, the rendered PDF, and revocation. The private key is never here."""

    number = models.CharField(_("证照编号"), max_length=40, unique=True)
    # A template code from data/templates.yaml (data, not schema: no choices, no migration).
    template = models.CharField(_("证照类型"), max_length=16)
    holder_id_number = models.CharField(_("持证人公民身份号码"), max_length=18, db_index=True)
    holder_name = models.CharField(_("持证人姓名"), max_length=64)
    holder_person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
        verbose_name=_("持证人"),
    )
    facts = models.JSONField(_("证明事项"))
    salt = models.BinaryField(_("盐值"), max_length=16)
    issued_at = models.DateTimeField(_("签发时间"))
    valid_until = models.DateTimeField(_("有效期至"))
    key_id = models.CharField(_("签名密钥标识"), max_length=16)
    token = models.TextField(_("核验码"))
    pdf = models.FileField(_("PDF 文件"), upload_to="certificates/%Y/%m/", blank=True)
    case_number = models.CharField(_("办件编号"), max_length=40, blank=True, db_index=True)
    # The department that issued it (its case's item department): its approvers may revoke it.
    department = models.CharField(_("签发部门"), max_length=16, choices=Department.choices, blank=True)
    # The issuing bureau (the handling outlet's, at issue): region code and names, signed.
    issuer_code = models.CharField(_("签发机关代码"), max_length=12, blank=True)
    authority_zh = models.CharField(_("签发机关"), max_length=60, blank=True)
    authority_en = models.CharField(_("签发机关（英文）"), max_length=120, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("撤销原因"), max_length=24, choices=REASON_CHOICES, blank=True)
    revoked_note = models.TextField(_("撤销说明"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤销人"),
    )

    # Citizens see their own; every staff role may look a certificate up (each view is audited);
    # only the issuing department's approvers (and administrators) may act on it (revoke).
    ACCESS = AccessRule(person="holder_person", department="department", staff_all=True)

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["holder_person", "-issued_at"], name="cert_holder_recent")]

    def __str__(self) -> str:
        return f"{self.number} {mask_name(self.holder_name)} {mask_id_number(self.holder_id_number)}"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class CertificateCounter(models.Model):
    """The last number handed out per template and year; locked while a number is allocated."""

    template = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("证照编号计数器")
        verbose_name_plural = _("证照编号计数器")
        constraints = [models.UniqueConstraint(fields=["template", "year"], name="cert_counter_unique")]

    def __str__(self) -> str:
        return f"{self.template}-{self.year}: {self.last}"


class DogTagCounter(models.Model):
    """The last dog-licence tag number (犬牌号) handed out per city; locked while one is drawn."""

    prefix = models.CharField(_("城市代码"), max_length=8, unique=True)
    last = models.PositiveIntegerField(_("最后发放的号码"), default=0)

    class Meta:
        verbose_name = _("犬牌号计数器")
        verbose_name_plural = _("犬牌号计数器")

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"
