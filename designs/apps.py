from django.apps import AppConfig


class DesignsConfig(AppConfig):
    name = "designs"
    verbose_name = "Designs"

    def ready(self):
        import warnings

        from django.conf import settings
        from django_q.signals import post_spawn
        from PIL import Image

        # Pillow only warns between 1x and 2x its limit; we refuse anything above our own limits (print files have
        # their own, designs/workers/print_jobs.py).
        Image.MAX_IMAGE_PIXELS = max(settings.MAX_IMAGE_PIXELS, settings.MAX_PRINT_PIXELS)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        post_spawn.connect(resume_when_a_worker_starts, dispatch_uid="designs.resume_after_restart")


def resume_when_a_worker_starts(sender, proc_name=None, **kwargs):
    """A (re)started qcluster resumes its work at once, not at the next reconcile tick (see workers/reconcile.py)."""
    from django_q.conf import Conf

    from designs.workers import enqueue

    if Conf.SYNC:  # tasks run inline (tests): every task "spawns" a worker, and this would recurse
        return
    enqueue("resume_after_restart")
