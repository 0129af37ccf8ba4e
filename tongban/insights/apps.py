from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class InsightsConfig(AppConfig):
    name = "tongban.insights"
    verbose_name = pgettext_lazy("app", "统计分析")
