"""The authentication backend: Django's ModelBackend, with a cheaper user load per request.

Every signed-in page loads the session's user (``AuthenticationMiddleware`` → ``get_user``).
ModelBackend does it with ``User.objects.get(pk=...)``, and compiling that query was close to
half the CPU of a signed-in list page. Here the same row is read by a statement built once and
loaded as the ORM loads it (accounts.selectors.user_by_pk); the checks are ModelBackend's own
(``user_can_authenticate``: inactive users get no session user). Passwords, permissions and
``authenticate`` are ModelBackend's, unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from tongban.accounts.models import User
from tongban.accounts.selectors import user_by_pk


class UserBackend(ModelBackend):
    """ModelBackend whose ``get_user`` is one prepared plain query."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:  # a malformed session value: nobody, as with ModelBackend
            return None
        user = user_by_pk(pk=pk)
        return user if user is not None and self.user_can_authenticate(user) else None
