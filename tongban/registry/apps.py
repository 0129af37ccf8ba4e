from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "tongban.registry"
    verbose_name = "共享库 Registry"
