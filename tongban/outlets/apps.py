from django.apps import AppConfig


class OutletsConfig(AppConfig):
    name = "tongban.outlets"
    verbose_name = "网点 Outlets"
