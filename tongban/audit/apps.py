from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class AuditConfig(AppConfig):
    name = "tongban.audit"
    verbose_name = pgettext_lazy("app", "审计")
