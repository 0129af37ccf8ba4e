from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class PhotosConfig(AppConfig):
    """The photo library app; the pure image engine lives in ``tongban.photos.engine``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "tongban.photos"
    verbose_name = pgettext_lazy("app", "照片库")
