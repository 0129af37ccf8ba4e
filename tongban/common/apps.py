from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "tongban.common"
    verbose_name = "通用 Common"

    def ready(self) -> None:
        from tongban.common.masking import install_log_masking

        install_log_masking()
