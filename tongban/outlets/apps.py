from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class OutletsConfig(AppConfig):
    name = "tongban.outlets"
    verbose_name = pgettext_lazy("app", "网点")
