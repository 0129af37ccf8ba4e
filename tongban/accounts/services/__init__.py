"""Account writes: real-name registration, passwords (change, 忘记密码, set by an administrator),
staff accounts, signing in and out, API tokens."""

from tongban.accounts.services.login import (
    account_disable,
    login_attempt,
    login_throttle_check,
    login_throttle_fail,
    login_throttle_reset,
    logout_record,
    second_factor_record,
    sessions_end_all,
    user_language_set,
)
from tongban.accounts.services.password import password_apply, password_change, password_set_by_admin
from tongban.accounts.services.password_reset import password_reset_finish, password_reset_start, window_reset_redeem
from tongban.accounts.services.registration import (
    registration_finish,
    registration_start,
    window_code_issue,
    window_code_redeem,
)
from tongban.accounts.services.staff import staff_create
from tongban.accounts.services.tokens import api_token_create, api_token_revoke

__all__ = [
    "account_disable",
    "api_token_create",
    "api_token_revoke",
    "login_attempt",
    "login_throttle_check",
    "login_throttle_fail",
    "login_throttle_reset",
    "logout_record",
    "password_apply",
    "password_change",
    "password_reset_finish",
    "password_reset_start",
    "password_set_by_admin",
    "registration_finish",
    "registration_start",
    "second_factor_record",
    "sessions_end_all",
    "staff_create",
    "user_language_set",
    "window_code_issue",
    "window_code_redeem",
    "window_reset_redeem",
]
