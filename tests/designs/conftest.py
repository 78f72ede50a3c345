"""Fixtures for the designs tests: RunPod settings and client (HTTP through `responses`), the pump, and designs
queued or submitted through the real use cases."""

import pytest
import responses

from tests.designs.generation_support import API, ENDPOINT, IMAGE_HOST, JOBS, SECRET


@pytest.fixture
def runpod_settings(settings):
    settings.RUNPOD_API_KEY = SECRET
    settings.RUNPOD_ENDPOINT_ID = ENDPOINT
    settings.RUNPOD_API_BASE = API
    settings.RUNPOD_MAX_IN_FLIGHT = 8
    settings.RUNPOD_QUEUE_AHEAD = 0
    settings.RUNPOD_COST_PER_SECOND = 0.0004
    settings.DOWNLOAD_ALLOW_HOSTS = [IMAGE_HOST]
    settings.PUBLIC_BASE_URL = ""
    settings.POD_SANDBOX = False


@pytest.fixture
def flux_preset(db):
    """The preset migration 0002 installs (transactional tests flush it away, so make sure it exists)."""
    from designs.models import GenerationPreset
    from integrations.comfyui import FLUX_DEV_FP8_PARAMETER_MAP, FLUX_DEV_FP8_WORKFLOW

    preset, _ = GenerationPreset.objects.get_or_create(
        name="Flux dev fp8", defaults={"workflow": FLUX_DEV_FP8_WORKFLOW, "parameter_map": FLUX_DEV_FP8_PARAMETER_MAP}
    )
    return preset


@pytest.fixture
def runpod():
    from integrations.http import RetryPolicy
    from integrations.runpod import RunPodClient

    no_wait = RetryPolicy(attempts=2, base=0.001, cap=0.001, sleep=lambda seconds: None)
    return RunPodClient(SECRET, ENDPOINT, API, retry=no_wait)


@pytest.fixture
def pump(runpod):
    from designs.workers.pump import Pump

    return Pump(runpod, sleep=lambda seconds: None)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def queued(make_design, flux_preset):
    """A design queued through the real use case (preset filled in, event written)."""
    from designs.services.generation import request_generation
    from designs.workflow import Source

    def make(**fields):
        design = make_design(**fields)
        request_generation([design], actor=None, source=Source.COMMAND)
        design.refresh_from_db()
        return design

    return make


@pytest.fixture
def generating(make_design, pump, rsps):
    """A design submitted through the pump, with job id `job_id`."""
    from designs.services.generation import request_generation
    from designs.workflow import Source, Status

    def make(job_id="job-1", **fields):
        design = make_design(**fields)
        request_generation([design], actor=None, source=Source.COMMAND)
        rsps.post(f"{JOBS}/run", json={"id": job_id, "status": "IN_QUEUE"})
        pump.submit()
        design.refresh_from_db()
        assert design.status == Status.GENERATING and design.runpod_job_id == job_id
        return design

    return make


# --- publishing (Printify's HTTP through `responses`, FakePrintify keeping products between calls) -------------


@pytest.fixture
def printify_settings(settings):
    from tests.designs.publishing_support import configure_printify

    configure_printify(settings)


@pytest.fixture
def printify():
    from tests.designs.publishing_support import FakePrintify

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakePrintify(rsps)


@pytest.fixture
def template(db):
    from tests.designs.publishing_support import make_template

    return make_template()


@pytest.fixture
def publishing_design(make_design, template):
    """A design with a real PNG, already moved to publishing (as request_publish would)."""
    from designs.services.publishing import request_publish
    from designs.workflow import Source, Status
    from tests.designs.publishing_support import attach_image

    design = attach_image(make_design(status=Status.APPROVED, style="woodcut"))
    request_publish([design], actor=None, source=Source.COMMAND)
    design.refresh_from_db()
    assert design.status == Status.PUBLISHING
    return design


# --- print files ---------------------------------------------------------------------------------------------------


@pytest.fixture
def print_presets(db):
    """What migration 0016 installs (transactional tests flush it, so put it back the same way)."""
    import importlib

    from django.apps import apps

    importlib.import_module("designs.migrations.0016_print_presets").install_print_presets(apps, None)


# --- Printify webhooks (tests/designs/webhook_support.py signs the events) ----------------------------------------


@pytest.fixture
def webhook_settings(settings):
    from tests.designs.publishing_support import configure_printify
    from tests.designs.webhook_support import SECRET

    configure_printify(settings)
    settings.PRINTIFY_WEBHOOK_SECRET = SECRET


@pytest.fixture
def published(make_design):
    """A published design with one live product, Printify's PRODUCT."""
    from django.utils import timezone

    from designs.workflow import Status
    from tests.designs.publishing_support import make_product, make_template
    from tests.designs.webhook_support import PRODUCT

    design = make_design(status=Status.PUBLISHED)
    make_product(
        design,
        make_template(),
        state="live",
        printify_id=PRODUCT,
        external={"id": "1", "handle": "https://shop/1"},
        published_at=timezone.now(),
    )
    return design
