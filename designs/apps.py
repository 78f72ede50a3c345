from django.apps import AppConfig


class DesignsConfig(AppConfig):
    name = "designs"
    verbose_name = "Designs"

    def ready(self):
        import warnings

        from django.conf import settings
        from PIL import Image

        # Pillow only warns between 1x and 2x MAX_IMAGE_PIXELS; we refuse anything above our own limit.
        Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
        warnings.simplefilter("error", Image.DecompressionBombWarning)
