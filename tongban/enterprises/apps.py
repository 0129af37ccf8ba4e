from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class EnterprisesConfig(AppConfig):
    name = "tongban.enterprises"
    verbose_name = pgettext_lazy("app", "企业服务")
