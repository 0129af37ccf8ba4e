from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tongban.accounts"
    verbose_name = "账户 Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tongban.accounts.middleware import session_started

        user_logged_in.connect(session_started, dispatch_uid="tongban.accounts.session_started")
