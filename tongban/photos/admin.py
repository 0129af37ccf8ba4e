"""Admin: administrators maintain photo standards without code; captures are read-only."""

from __future__ import annotations

from django.contrib import admin

from tongban.photos.models import PhotoCapture, PhotoStandardRecord, PhotoUse


@admin.register(PhotoStandardRecord)
class PhotoStandardAdmin(admin.ModelAdmin):
    """Every number of a standard; the engine validates the whole record on save."""

    list_display = (
        "code",
        "name_zh",
        "width_px",
        "height_px",
        "dpi",
        "kb_min",
        "kb_max",
        "validity_days",
        "active",
        "updated_at",
    )
    list_filter = ("active",)
    search_fields = ("code", "name_zh", "name_en")
    fieldsets = (
        (None, {"fields": ("code", "name_zh", "name_en", "active")}),
        ("画面 Canvas", {"fields": ("width_px", "height_px", "dpi", "backgrounds", "background_tolerance")}),
        ("文件 File", {"fields": ("jpeg_quality_min", "jpeg_quality_max", "kb_min", "kb_max")}),
        ("头部 Head geometry", {"fields": ("geometry",)}),
        ("复用 Reuse", {"fields": ("validity_days", "senior")}),
        ("来源 Sources", {"fields": ("sources",)}),
    )


@admin.register(PhotoCapture)
class PhotoCaptureAdmin(admin.ModelAdmin):
    """Captures for audit: status and report only (the photo itself is shown on staff pages)."""

    list_display = ("id", "channel", "status", "review", "captured_at", "error_code")
    list_filter = ("status", "channel", "review")
    readonly_fields = [f.name for f in PhotoCapture._meta.fields]
    exclude = ("id_number",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(PhotoUse)
class PhotoUseAdmin(admin.ModelAdmin):
    list_display = ("case_number", "derivative", "used_at")
    readonly_fields = ("derivative", "case_number", "used_at")

    def has_add_permission(self, request: object) -> bool:
        return False
