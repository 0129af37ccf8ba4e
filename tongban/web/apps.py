from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tongban.web"
    verbose_name = "页面 Web"
