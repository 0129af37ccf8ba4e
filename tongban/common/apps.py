from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CommonConfig(AppConfig):
    name = "tongban.common"
    verbose_name = pgettext_lazy("app", "通用")

    def ready(self) -> None:
        from tongban.common.masking import install_log_masking

        install_log_masking()
