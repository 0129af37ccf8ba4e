from django.apps import AppConfig


class RentalsConfig(AppConfig):
    name = "tongban.rentals"
    verbose_name = "微安居"

    def ready(self) -> None:
        from tongban.rentals import notices

        notices.register()
