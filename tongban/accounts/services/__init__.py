"""Account writes: real-name registration, staff accounts, signing in and out, API tokens."""

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
    "registration_finish",
    "registration_start",
    "second_factor_record",
    "sessions_end_all",
    "staff_create",
    "user_language_set",
    "window_code_issue",
    "window_code_redeem",
]
