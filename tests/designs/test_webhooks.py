"""The webhook receivers.

Real database, real Pillow, real files in the temp MEDIA_ROOT; RunPod's HTTP answered by `responses`.
"""

import json

import pytest

from designs.workflow import Status

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("runpod_settings")]


def test_runpod_webhook_checks_the_token_and_wakes_the_pump(make_design, runpod):
    from django.test import Client
    from django_q.brokers import get_broker

    design = make_design(status=Status.GENERATING, runpod_job_id="job-h")
    web = Client(enforce_csrf_checks=True)
    url = f"/hooks/runpod/{design.pk}/{design.webhook_token}/"
    broker = get_broker()
    before = broker.queue_size()
    body = json.dumps({"id": "job-h", "status": "COMPLETED", "output": {"images": []}})
    assert (
        web.post(
            f"/hooks/runpod/{design.pk}/wrong-token/", body, content_type="application/json", secure=True
        ).status_code
        == 404
    )
    assert (
        web.post(
            f"/hooks/runpod/{design.pk + 1}/{design.webhook_token}/", body, content_type="application/json", secure=True
        ).status_code
        == 404
    )
    assert web.get(url, secure=True).status_code == 405
    assert broker.queue_size() == before
    response = web.post(url, body, content_type="application/json", secure=True)
    assert response.status_code == 200
    assert broker.queue_size() == before + 1
    # The body is not trusted: nothing changed until the pump asks /status.
    design.refresh_from_db()
    assert design.status == Status.GENERATING
