from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class WebConfig(AppConfig):
    name = "tongban.web"
    verbose_name = pgettext_lazy("app", "页面")
