from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "tongban.appointments"

    def ready(self) -> None:
        from tongban.appointments import visits

        visits.register()
