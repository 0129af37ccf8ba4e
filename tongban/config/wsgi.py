"""WSGI entry point: production serving is WSGI (granian or gunicorn), never ASGI."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the URL map, catalog specs, models) lives as long as the worker:
# move it out of the collector's sight so that full collections do not rescan it on every request
# burst (measured: the collector's share of a bare request halves).
gc.freeze()
