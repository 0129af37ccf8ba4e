"""WSGI entry point: production serving is WSGI (granian or gunicorn), never ASGI."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")
application = get_wsgi_application()
