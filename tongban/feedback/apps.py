from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "tongban.feedback"
