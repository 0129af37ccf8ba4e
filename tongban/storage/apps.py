from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class StorageConfig(AppConfig):
    name = "tongban.storage"
    label = "storage"
    verbose_name = pgettext_lazy("app", "文件存储")
