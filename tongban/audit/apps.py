from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tongban.audit"
    verbose_name = "审计 Audit"
