from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class RentalsConfig(AppConfig):
    name = "tongban.rentals"
    verbose_name = pgettext_lazy("app", "微安居")

    def ready(self) -> None:
        from tongban.rentals import notices

        notices.register()
