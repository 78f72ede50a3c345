"""Webhook receivers. Both are csrf_exempt because the caller is RunPod or Printify, not a browser;
each authenticates the request itself (an unguessable per-design token, or an HMAC signature)."""

from django.http import Http404

# --- RunPod (written by the generation work) ---


def runpod_webhook(request, design_id: int, token: str):
    raise Http404  # replaced by the generation work


# --- Printify (written by the publishing work) ---


def printify_webhook(request):
    raise Http404  # replaced by the publishing work
