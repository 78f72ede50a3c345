"""End to end: approved designs → print files prepared through the sandbox by real qcluster workers → published with
the print file; and a cluster killed with -9 mid-preparation leaves exactly one print file per design."""

import importlib
import io
import subprocess
import sys

import pytest
from django.apps import apps
from django.conf import settings
from PIL import Image

from designs.models import Design
from designs.print_status import PrintStatus
from designs.workflow import Status
from tests.designs.print_support import approved_design, areas
from tests.designs.publishing_support import make_template
from tests.system.conftest import wait_until

pytestmark = pytest.mark.system


@pytest.fixture
def print_presets(installed_defaults):
    importlib.import_module("designs.migrations.0016_print_presets").install_print_presets(apps, None)


def sandbox_env(sandbox, **extra):
    return {"POD_SANDBOX": "1", "SANDBOX_URL": sandbox.url, **{key: str(value) for key, value in extra.items()}}


def manage(*args, env, timeout):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def print_files(media_root):
    return sorted(p.relative_to(media_root).as_posix() for p in (media_root / "designs" / "print").rglob("*.png"))


def test_approve_prepare_publish(sandbox, qcluster, child_env, print_presets, media_root):
    """A 256² design is refused on a 1500×1800 px print area (51 DPI), prepared to 1500×1500 RGBA, then published
    with the print file."""
    sandbox.configure(runpod_latency=0.2, runpod_gpu_workers=4)
    extra = sandbox_env(sandbox, RUNPOD_MAX_IN_FLIGHT=4)
    make_template(placeholders=areas((1500, 1800)), placement={"mode": "fit"}, needs_transparency=True)
    design = approved_design(Design.objects.create, (256, 256), prompt="a heron, woodcut")
    env = {**child_env, **extra}
    refused = manage("publish_designs", "--ids", str(design.pk), env=env, timeout=60)
    assert refused.returncode != 0 and "prints at 51 DPI" in refused.stderr
    cluster = qcluster(**extra)
    prepared = manage("prepare_print_files", "--ids", str(design.pk), "--wait", "--timeout", "60", env=env, timeout=90)
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr + cluster.log()
    assert "1 ready, 0 failed" in prepared.stdout
    design.refresh_from_db()
    assert (design.print_width, design.print_height, design.print_has_alpha) == (1500, 1500, True)
    with Image.open(media_root / design.print_file.name) as picture:
        assert (picture.format, picture.mode, picture.size) == ("PNG", "RGBA", (1500, 1500))
    published = manage("publish_designs", "--ids", str(design.pk), "--wait", "--timeout", "60", env=env, timeout=90)
    assert published.returncode == 0, published.stdout + published.stderr + cluster.log()
    design.refresh_from_db()
    assert design.status == Status.PUBLISHED
    [product] = [p for p in sandbox.state()["printify"]["products"] if p["id"] == design.products.get().printify_id]
    [upload_id] = product["images"]
    upload = sandbox.printify.uploads[upload_id]  # what Printify received (the in-process sandbox's record)
    assert (upload["width"], upload["height"]) == (1500, 1500)  # the print file, not the 256 px original


def test_kill_9_mid_preparation_leaves_exactly_one_print_file_each(
    sandbox, qcluster, child_env, print_presets, media_root
):
    sandbox.configure(runpod_latency=1.0, runpod_gpu_workers=2)
    extra = sandbox_env(sandbox, RUNPOD_MAX_IN_FLIGHT=2)
    make_template(placeholders=areas((1200, 1200)), placement={"mode": "fit"})
    designs = [approved_design(Design.objects.create, (256, 256), prompt=f"design {n}") for n in range(6)]
    env = {**child_env, **extra}
    first = qcluster(**extra)
    queued = manage("prepare_print_files", "--ids", *[str(d.pk) for d in designs], env=env, timeout=60)
    assert queued.returncode == 0, queued.stderr
    wait_until(
        lambda: (
            Design.objects.filter(print_status=PrintStatus.READY).exists()
            and Design.objects.filter(print_status=PrintStatus.PREPARING).exists()
        ),
        timeout=40,
        message="some print files ready while others are being prepared",
    )
    first.kill_hard()
    second = qcluster(**extra)
    wait_until(
        lambda: not Design.objects.filter(print_status__in=[PrintStatus.QUEUED, PrintStatus.PREPARING]).exists(),
        timeout=90,
        message="every print file settled after the restart",
    )
    statuses = set(Design.objects.values_list("print_status", flat=True))
    assert statuses == {PrintStatus.READY}, [d.print_error for d in Design.objects.all()] + [second.log()]
    referenced = sorted(Design.objects.values_list("print_file", flat=True))
    assert print_files(media_root) == referenced  # one file per design, no orphan
    for name in referenced:
        with Image.open(io.BytesIO((media_root / name).read_bytes())) as picture:
            assert picture.size == (1200, 1200)
