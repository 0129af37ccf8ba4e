from django.apps import AppConfig


class DogsConfig(AppConfig):
    name = "tongban.dogs"
    verbose_name = "犬只管理"
