from django.urls import path

from tongban.accounts.views import account, auth, password, register

app_name = "accounts"
urlpatterns = [
    path("", account.account_view, name="account"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("register/", register.register_view, name="register"),
    path("register/code/", register.register_code_view, name="register_code"),
    path("activate/", register.activate_view, name="activate"),
    path("window/register/", register.window_register_view, name="window_register"),
    path("password/", password.password_change_view, name="password_change"),
    path("password/reset/", password.password_reset_view, name="password_reset"),
    path("password/reset/code/", password.password_reset_code_view, name="password_reset_code"),
    path("password/reset/window/", password.password_reset_window_view, name="password_reset_window"),
    path("otp/", auth.otp_view, name="otp"),
    path("otp/setup/", auth.otp_setup_view, name="otp_setup"),
    path("tokens/", account.tokens_view, name="tokens"),
    path("tokens/<int:pk>/revoke/", account.token_revoke_view, name="token_revoke"),
    path("sessions/end/", account.sessions_end_view, name="sessions_end"),
]
