"""The Jinja2 environment (settings.TEMPLATES): the page frame, the list pages and their rows.

Pages are Django templates, except the two busiest lists (the approver's queue, a citizen's
cases). A table of twenty rows of ten values each is about two hundred variable nodes, and the
Django template engine spends a few microseconds on each; the frame every page has (head,
header with the role's navigation, footer) cost more than a list page's own content. Jinja2
compiles a template to Python code and prints the same in a fraction of that, so the frame
(``web/layout.html``, which Django pages reach through base.html's ``{% site_page %}``), the
list pages and their row tables are Jinja2 templates (``<app>/jinja2/``). They translate with
Django's own catalogues (``{{ _("…") }}`` is ``gettext``; makemessages finds these msgids), print
static files' URLs with ``static()``, and escape every value (autoescape on) as Django templates
do, two characters written differently: ``"`` as ``&#34;`` and ``'`` as ``&#39;`` (Django:
``&quot;``, ``&#x27;``). Rows are objects, not dicts: Jinja2 reads ``r.x`` as an attribute
first, and on a dict every value would cost a failed attribute lookup.
"""

from __future__ import annotations

from typing import Any

from django.templatetags.static import static
from django.utils.translation import gettext
from jinja2 import Environment


def environment(**options: Any) -> Environment:
    options.pop("autoescape", None)  # always on (Django's backend sets it too)
    env = Environment(autoescape=True, **options)
    # ``_`` is Django's gettext itself, not the i18n extension's alias of it (which goes through
    # the template context twice: 6.1 against 4.8 µs a call; the templates use no {% trans %})
    env.globals["_"] = gettext
    env.globals["static"] = static
    return env
