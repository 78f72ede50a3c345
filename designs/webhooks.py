"""Webhook receivers. Both are csrf_exempt because the caller is RunPod or Printify, not a browser;
each authenticates the request itself (an unguessable per-design token, or an HMAC signature)."""

import hmac

from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

# --- RunPod (written by the generation work) ---


# The body is never read, so it needs no size limit; a cap would refuse real callbacks, which carry RunPod's whole
# /status answer (base64 images included: often megabytes).
@csrf_exempt
@require_POST
def runpod_webhook(request, design_id: int, token: str):
    """RunPod says a job ended. The body is not trusted (RunPod signs nothing): the token proves which design,
    and the pump then asks the authenticated /status for the truth. Answers 200 at once."""
    from designs.models import Design
    from designs.workers import wake_pump

    expected = Design.objects.filter(pk=design_id).values_list("webhook_token", flat=True).first()
    if not expected or not hmac.compare_digest(expected.encode(), token.encode()):
        raise Http404
    wake_pump()
    return JsonResponse({"ok": True})


# --- Printify (written by the publishing work) ---

# Printify's events are small JSON objects; a body over 1 MiB is refused before it is read or its HMAC computed.
PRINTIFY_MAX_BODY_BYTES = 1024 * 1024


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # as Django itself reads it: no body


@csrf_exempt
@require_POST
def printify_webhook(request):
    """Printify product and order events, signed with PRINTIFY_WEBHOOK_SECRET (X-Pfy-Signature).

    See designs/workers/printify_events.py."""
    from django.conf import settings

    from designs.workers.printify_events import handle_webhook_event
    from integrations.printify import WebhookBodyInvalid, read_webhook_event, verify_webhook_signature

    if _content_length(request) > PRINTIFY_MAX_BODY_BYTES:
        return HttpResponse("The body is too large.", status=413, content_type="text/plain")
    header = request.headers.get("X-Pfy-Signature")
    if not header:
        return HttpResponse("Missing signature.", status=401, content_type="text/plain")
    # No secret configured means nothing can be verified: refuse everything rather than trust anyone.
    if not settings.PRINTIFY_WEBHOOK_SECRET or not verify_webhook_signature(
        settings.PRINTIFY_WEBHOOK_SECRET, request.body, header
    ):
        return HttpResponse("Invalid signature.", status=403, content_type="text/plain")
    try:
        event = read_webhook_event(request.body)
    except WebhookBodyInvalid as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    outcome = handle_webhook_event(event)
    return HttpResponse(outcome.detail, status=outcome.status, content_type="text/plain")
