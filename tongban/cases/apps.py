from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tongban.cases"
    verbose_name = "办件 Cases"
