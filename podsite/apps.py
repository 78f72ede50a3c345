from django.apps import AppConfig


class PodsiteConfig(AppConfig):
    """The project package as an app: its templates, and hardening that must run once the admin is loaded."""

    name = "podsite"

    def ready(self):
        # <id:…> must be registered before any URLconf (designs' admin included) is built; the admin modules
        # replace the admins django-q2 and django-axes registered for themselves.
        from podsite import axes_admin, converters, q_admin  # noqa: F401
