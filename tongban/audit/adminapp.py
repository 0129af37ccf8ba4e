"""Django's admin app, with tongban's audited site as its default site (``admin.site``).

Kept apart from ``adminsite`` because INSTALLED_APPS imports this module before models load.
"""

from django.contrib.admin.apps import AdminConfig


class AuditedAdminConfig(AdminConfig):
    """``django.contrib.admin`` whose ``admin.site`` audits every write and personal read."""

    default_site = "tongban.audit.adminsite.AuditedAdminSite"
