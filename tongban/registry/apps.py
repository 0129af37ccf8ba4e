from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class RegistryConfig(AppConfig):
    name = "tongban.registry"
    verbose_name = pgettext_lazy("app", "共享库")
