"""Administrators load a year's schedule from a file here, and can read every date."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.common.clock import now
from tongban.common.errors import DomainError
from tongban.common.request import viewer
from tongban.workdays.models import CalendarDay, CalendarYear, WorkingPeriod
from tongban.workdays.services import calendar_year_load, schedule_parse


class ScheduleUploadForm(forms.Form):
    """A year plus the State Council schedule file (exceptions only)."""

    year = forms.IntegerField(min_value=2000, max_value=2100, label=_("年份"))
    schedule = forms.FileField(label=_("安排文件"), help_text=_("每行一条：日期 holiday 或 workday 名称"))


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    list_display = ["year", "source", "loaded_at"]
    readonly_fields = ["year", "source", "loaded_at"]
    change_list_template = "workdays/admin_changelist.html"  # links the upload

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # years are added by loading a schedule (the upload view), never by hand

    def get_urls(self) -> list[Any]:
        extra = [path("upload/", self.admin_site.admin_view(self.upload_view), name="workdays_calendaryear_upload")]
        return extra + super().get_urls()

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        form = ScheduleUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            year = form.cleaned_data["year"]
            try:
                text = form.cleaned_data["schedule"].read().decode("utf-8")
                rules = schedule_parse(text=text, year=year)
                calendar_year_load(
                    year=year,
                    rules=rules,
                    source=f"upload {form.cleaned_data['schedule'].name}",
                    now=now(),
                    actor=viewer(request),
                )
            except (DomainError, UnicodeDecodeError) as exc:
                form.add_error("schedule", str(exc))
            else:
                done = gettext("%(year)s 年的安排已导入（%(n)s 条例外）") % {"year": year, "n": len(rules)}
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:workdays_calendaryear_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": gettext("导入节假日安排"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "workdays/admin_upload.html", context)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    list_display = ["date", "workday", "kind", "name"]
    list_filter = ["year", "kind", "workday"]
    date_hierarchy = "date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a correction is a new schedule load, so the audit log sees it


@admin.register(WorkingPeriod)
class WorkingPeriodAdmin(admin.ModelAdmin[WorkingPeriod]):
    list_display = ["start", "end"]
