import time

from django.apps import AppConfig

# When this process set up Django. In a qcluster that is the parent, and the workers it forks inherit the value:
# a worker spawned long after it is one django-q2 started in place of a recycled (every 200 tasks) or lost one.
STARTED = time.monotonic()
# Workers spawned this soon after set-up are the ones a starting cluster begins with.
STARTING_SECONDS = 60


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
    """A (re)started qcluster resumes its work at once, not at the next reconcile tick (see workers/reconcile.py).

    Only the workers a cluster starts with ask for it: a worker that replaces a recycled one finds the cluster's
    work going. Asked on every replacement, each resume woke every product waiting in the queue once more, so a
    long queue grew by thousands of duplicate runs (bench/soak.py). A worker lost mid-run is the reconciler's."""
    from django_q.conf import Conf

    from designs.workers import enqueue

    if Conf.SYNC:  # tasks run inline (tests): every task "spawns" a worker, and this would recurse
        return
    if time.monotonic() - STARTED > STARTING_SECONDS:
        return
    enqueue("resume_after_restart")
