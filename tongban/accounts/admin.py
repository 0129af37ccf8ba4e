from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from tongban.accounts.forms import ThrottledAdminLoginForm
from tongban.accounts.models import User
from tongban.accounts.services import account_disable, password_set_by_admin, sessions_end_all
from tongban.common.clock import now
from tongban.common.request import viewer

# The admin's login goes through the same throttle and audit as the site's (one counter).
admin.site.login_form = ThrottledAdminLoginForm
admin.site.site_header = _("通办管理后台")
admin.site.site_title = _("通办管理后台")
admin.site.index_title = _("数据管理")


def _own_password_change(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin header's "修改密码" link: the site's page (policy, throttle, audit, sessions)."""
    return redirect("accounts:password_change")


admin.site.password_change = _own_password_change  # type: ignore[method-assign,assignment]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Staff and citizen accounts; ID numbers are searched exactly and listed masked."""

    list_display = ("__str__", "role", "outlet", "department", "supervisor", "is_active")
    list_filter = ("role", "department", "supervisor", "is_active")
    search_fields = ("=username", "=id_number", "real_name")
    raw_id_fields = ("person", "outlet")
    actions = ("disable_accounts",)
    # Plain multiple selects: the two-pane chooser's 24 px arrow buttons are too small to tap on a
    # phone (the accessibility crawl's 44 px rule) and add nothing for a handful of groups.
    filter_horizontal = ()
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            _("通办账号信息"),
            {
                "fields": (
                    "role",
                    "real_name",
                    "id_number",
                    "phone",
                    "person",
                    "outlet",
                    "department",
                    "supervisor",
                    "language",
                    "must_change_password",
                )
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # disabled here: every session of the account ends too
            sessions_end_all(user=obj, at=now(), actor=viewer(request), reason="disabled")

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """Django's "set password" form (audited as admin.change by the site): once it has saved
        a password, the account must choose its own at next sign-in and its sessions end."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            if user is not None:
                password_set_by_admin(user=user, at=now(), actor=viewer(request))
        return response

    @admin.action(description=_("停用所选账号并结束其全部会话"))
    def disable_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            account_disable(user=user, at=now(), actor=viewer(request))


# Django's own group admin, with the same plain selects as the user admin (see UserAdmin).
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    filter_horizontal = ()
