from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CasesConfig(AppConfig):
    name = "tongban.cases"
    verbose_name = pgettext_lazy("app", "办件")
