from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class WorkdaysConfig(AppConfig):
    name = "tongban.workdays"
    verbose_name = pgettext_lazy("app", "工作日历")
