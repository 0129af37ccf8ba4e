from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class NotificationsConfig(AppConfig):
    name = "tongban.notifications"
    verbose_name = pgettext_lazy("app", "消息提醒")
