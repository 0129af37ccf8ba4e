from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CertificatesConfig(AppConfig):
    name = "tongban.certificates"
    verbose_name = pgettext_lazy("app", "电子证照")
