from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class AppointmentsConfig(AppConfig):
    name = "tongban.appointments"
    verbose_name = pgettext_lazy("app", "预约管理")

    def ready(self) -> None:
        from tongban.appointments import visits

        visits.register()
