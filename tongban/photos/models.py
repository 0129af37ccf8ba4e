"""The photo library: standards (editable data), captures, their derivatives, and every use.

Files go through Django's default storage (local in the embedded mode, S3-compatible in
production) and are never public: views stream them after an access check. Nothing stored keeps
EXIF or GPS: originals are stripped at intake, derivatives are written without metadata.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongban.common.access import AccessRule
from tongban.photos.engine.standards import PhotoStandard, StandardError, standard_from_dict


class PhotoStandardRecord(models.Model):
    """A document photo standard (证件照片标准) that administrators maintain without code.

    Seeded from ``engine/data/standards.yaml`` by a data migration; the engine validates every
    change (``clean``), so a wrong number is refused in the admin with the field named.
    """

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name_zh = models.CharField(_("名称"), max_length=40)
    name_en = models.CharField(_("英文名称"), max_length=80)
    width_px = models.PositiveIntegerField(_("宽度（像素）"))
    height_px = models.PositiveIntegerField(_("高度（像素）"))
    dpi = models.PositiveIntegerField(_("分辨率（dpi）"))
    backgrounds = models.CharField(
        _("背景颜色"), max_length=120, help_text=_("逗号分隔，如 #FFFFFF,#DCE9F5；第一个为首选")
    )
    background_tolerance = models.FloatField(_("背景色容差（ΔE）"))
    jpeg_quality_min = models.PositiveSmallIntegerField(_("JPEG 质量下限"))
    jpeg_quality_max = models.PositiveSmallIntegerField(_("JPEG 质量上限"))
    kb_min = models.FloatField(_("文件大小下限（KB）"))
    kb_max = models.FloatField(_("文件大小上限（KB）"))
    geometry = models.JSONField(_("头部几何要求"))
    validity_days = models.PositiveIntegerField(_("复用有效期（天）"))
    senior = models.JSONField(_("老年人复用规则"), null=True, blank=True)
    sources = models.JSONField(_("数值来源"), default=dict, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("照片标准")
        verbose_name_plural = _("照片标准")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"

    def as_record(self) -> dict[str, Any]:
        """The data-file shape of this row."""
        reuse: dict[str, Any] = {"validity_days": self.validity_days}
        if self.senior:
            reuse["senior"] = self.senior
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "width_px": self.width_px,
            "height_px": self.height_px,
            "dpi": self.dpi,
            "backgrounds": [c.strip().upper() for c in self.backgrounds.split(",") if c.strip()],
            "background_tolerance": self.background_tolerance,
            "jpeg_quality": [self.jpeg_quality_min, self.jpeg_quality_max],
            "kb": [self.kb_min, self.kb_max],
            "geometry": self.geometry,
            "reuse": reuse,
            "sources": self.sources or {},
        }

    def as_standard(self) -> PhotoStandard:
        """The engine's typed standard (raises StandardError if the row is inconsistent)."""
        return standard_from_dict(self.as_record())

    def clean(self) -> None:
        try:
            self.as_standard()
        except StandardError as exc:
            field = exc.path.split(".")[1] if "." in exc.path else "code"
            field = {"kb": "kb_min", "jpeg_quality": "jpeg_quality_min", "reuse": "validity_days"}.get(
                field.split("[")[0], field.split("[")[0]
            )
            known = {f.name for f in self._meta.get_fields()}
            raise ValidationError({field if field in known else "geometry": exc.problem}) from exc


class CaptureChannel(models.TextChoices):
    CITIZEN_UPLOAD = "citizen_upload", _("群众上传")
    CITIZEN_CAMERA = "citizen_camera", _("手机自拍")
    WINDOW = "window", _("窗口采集")
    IMPORT = "import", _("历史照片导入")
    API = "api", _("接口")


class CaptureStatus(models.TextChoices):
    REFUSED = "refused", _("文件被拒收")
    FAILED = "failed", _("质量不合格")
    PASSED = "passed", _("质量合格")


class CaptureReview(models.TextChoices):
    PENDING = "pending", _("待确认")
    ACCEPTED = "accepted", _("已采用")
    RETAKE = "retake", _("需重拍")


class PhotoCapture(models.Model):
    """One photo taken or uploaded for a person (一拍): the stripped original and its report.

    A refused file is recorded too (status ``refused``, no file kept) so every attempt is
    accounted for.
    """

    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photo_captures",
        verbose_name=_("人员"),
    )
    id_number = models.CharField(_("公民身份号码"), max_length=18, db_index=True, blank=True)
    channel = models.CharField(_("采集渠道"), max_length=20, choices=CaptureChannel.choices)
    captured_at = models.DateTimeField(_("采集时间"), db_index=True)
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("采集人"),
    )
    outlet = models.ForeignKey(
        "outlets.Outlet", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("网点")
    )
    original = models.FileField(_("原始照片"), upload_to="photos/originals/%Y/%m/", blank=True)
    content_type = models.CharField(_("文件类型"), max_length=40, blank=True)
    sha256 = models.CharField(_("原文件摘要"), max_length=64, db_index=True)
    source_name = models.CharField(_("来源文件名"), max_length=200, blank=True)
    width = models.PositiveIntegerField(_("宽度（像素）"), default=0)
    height = models.PositiveIntegerField(_("高度（像素）"), default=0)
    status = models.CharField(_("质量结论"), max_length=10, choices=CaptureStatus.choices)
    review = models.CharField(
        pgettext_lazy("photo review", "确认"),
        max_length=10,
        choices=CaptureReview.choices,
        default=CaptureReview.PENDING,
    )
    error_code = models.CharField(_("错误代码"), max_length=30, blank=True)
    report = models.JSONField(_("质量报告"), default=dict)

    ACCESS = AccessRule(person="person", staff_all=True)

    class Meta:
        verbose_name = _("照片采集")
        verbose_name_plural = _("照片采集")
        ordering = ["-captured_at", "-id"]
        indexes = [models.Index(fields=["id_number", "-captured_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"


class PhotoDerivative(models.Model):
    """A document photo derived from a capture for one standard; stored only once verified."""

    capture = models.ForeignKey(PhotoCapture, on_delete=models.CASCADE, related_name="derivatives")
    standard_code = models.CharField(_("照片标准"), max_length=40)
    standard = models.JSONField(_("所用标准（快照）"))
    file = models.FileField(upload_to="photos/derived/%Y/%m/")
    bytes = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    dpi = models.PositiveIntegerField()
    quality = models.PositiveSmallIntegerField()
    verification = models.JSONField(_("核验结果"))
    created_at = models.DateTimeField()

    ACCESS = AccessRule(person="capture__person", staff_all=True)

    class Meta:
        verbose_name = _("派生照片")
        verbose_name_plural = _("派生照片")
        constraints = [
            models.UniqueConstraint(fields=["capture", "standard_code"], name="photo_derivative_one_per_standard")
        ]

    def __str__(self) -> str:
        return f"{self.standard_code} of #{self.capture_id}"


class PhotoUse(models.Model):
    """A case used a derivative (一照通用): the record the bureau reports reuse from."""

    derivative = models.ForeignKey(
        PhotoDerivative, on_delete=models.PROTECT, related_name="uses", verbose_name=_("派生照片")
    )
    case_number = models.CharField(_("办件编号"), max_length=40, db_index=True)
    used_at = models.DateTimeField(_("使用时间"))

    ACCESS = AccessRule(person="derivative__capture__person", staff_all=True)

    class Meta:
        verbose_name = _("照片使用记录")
        verbose_name_plural = _("照片使用记录")
        constraints = [models.UniqueConstraint(fields=["derivative", "case_number"], name="photo_use_once_per_case")]

    def __str__(self) -> str:
        return f"{self.case_number} ← {self.derivative_id}"
