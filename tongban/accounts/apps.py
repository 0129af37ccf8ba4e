from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class AccountsConfig(AppConfig):
    name = "tongban.accounts"
    verbose_name = pgettext_lazy("app", "账户")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tongban.accounts.middleware import session_started

        user_logged_in.connect(session_started, dispatch_uid="tongban.accounts.session_started")
