from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tongban.certificates.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read only: certificates are issued and revoked through services (signed, audited), never
    edited here. The list shows holders masked; search needs an exact number."""

    list_display = ("__str__", "template", "issued_at", "valid_until", "key_id", "revoked_at")
    list_filter = ("template", "key_id")
    search_fields = ("=number", "=case_number")
    show_full_result_count = False
    exclude = ("salt",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
