from django.contrib import admin

from tongban.certificates.models import Certificate
from tongban.common.admin import ReadOnlyAdminMixin


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: certificates are issued and revoked through services (signed, audited), never
    edited here. The list shows holders masked; search needs an exact number."""

    list_display = ("__str__", "template", "issued_at", "valid_until", "key_id", "revoked_at")
    list_filter = ("template", "key_id")
    search_fields = ("=number", "=case_number")
    show_full_result_count = False
    exclude = ("salt",)
