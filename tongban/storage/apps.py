from django.apps import AppConfig


class StorageConfig(AppConfig):
    name = "tongban.storage"
    label = "storage"
    verbose_name = "文件存储 Storage"
