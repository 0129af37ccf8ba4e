from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class DogsConfig(AppConfig):
    name = "tongban.dogs"
    verbose_name = pgettext_lazy("app", "犬只管理")
