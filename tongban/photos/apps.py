from django.apps import AppConfig


class PhotosConfig(AppConfig):
    """The photo library app; the pure image engine lives in ``tongban.photos.engine``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "tongban.photos"
    verbose_name = "照片库 Photo library"
