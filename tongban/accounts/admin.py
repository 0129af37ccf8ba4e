from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from tongban.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Staff and citizen accounts; ID numbers are searched exactly and listed masked."""

    list_display = ("__str__", "role", "outlet", "department", "supervisor", "is_active")
    list_filter = ("role", "department", "supervisor", "is_active")
    search_fields = ("=username", "=id_number", "real_name")
    raw_id_fields = ("person", "outlet")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            "tongban",
            {"fields": ("role", "real_name", "id_number", "phone", "person", "outlet", "department", "supervisor")},
        ),
    )
