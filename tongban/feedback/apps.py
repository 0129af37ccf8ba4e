from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class FeedbackConfig(AppConfig):
    name = "tongban.feedback"
    verbose_name = pgettext_lazy("app", "好差评")
