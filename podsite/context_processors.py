from django.conf import settings


def sandbox(request):
    """Lets every template show the sandbox banner, so nobody mistakes a demo for the real shop."""
    return {"POD_SANDBOX": settings.POD_SANDBOX}
