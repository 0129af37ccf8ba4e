from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CatalogConfig(AppConfig):
    name = "tongban.catalog"
    verbose_name = pgettext_lazy("app", "事项目录")
