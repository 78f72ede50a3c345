"""End to end: the sandbox (real sockets) + real `qcluster` processes + the generate_designs command."""

import io
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image

from designs.models import Design, DesignEvent
from designs.workflow import Status
from tests.system.conftest import wait_until

pytestmark = pytest.mark.system


def sandbox_env(sandbox, **extra):
    return {"POD_SANDBOX": "1", "SANDBOX_URL": sandbox.url, **{key: str(value) for key, value in extra.items()}}


def prompt_file(tmp_path, count, tag):
    """A CSV of `count` distinct prompts at 256×256 (small images keep the in-process sandbox cheap)."""
    path = tmp_path / "prompts.csv"
    rows = [f'"{tag} design number {n}, flat vector sticker",256,256' for n in range(count)]
    path.write_text("prompt,width,height\n" + "\n".join(rows) + "\n")
    return path


def manage(*args, env, timeout):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def media_files(media_root):
    return {str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file()}


def assert_every_design_has_its_files(media_root, count):
    designs = list(Design.objects.order_by("pk"))
    assert len(designs) == count
    assert {design.status for design in designs} == {Status.REVIEW}
    referenced = set()
    for design in designs:
        with Image.open(media_root / design.image.name) as image:
            assert (image.format, image.size) == ("PNG", (256, 256))
        with Image.open(io.BytesIO((media_root / design.thumbnail.name).read_bytes())) as thumbnail:
            assert thumbnail.format == "WEBP"
        assert design.image_sha256 and design.cost is not None and design.runpod_job_id
        referenced |= {design.image.name, design.thumbnail.name}
    # No orphan and no duplicate: exactly the files the designs point at, each image distinct.
    assert media_files(media_root) == referenced
    assert len({design.image_sha256 for design in designs}) == count


@pytest.mark.parametrize("output", ["base64", "s3_url"])
def test_generate_designs_wait_on_20_prompts(
    sandbox, qcluster, child_env, installed_defaults, tmp_path, media_root, output
):
    # s3_url: every image is downloaded over a real socket (download_image, loopback allowed in sandbox mode).
    sandbox.configure(runpod_latency=0.2, runpod_gpu_workers=8, runpod_output=output)
    extra = sandbox_env(sandbox, RUNPOD_MAX_IN_FLIGHT=8)
    cluster = qcluster(**extra)
    prompts = prompt_file(tmp_path, 20, "e2e")
    result = manage(
        "generate_designs", str(prompts), "--wait", "--timeout", "60", env={**child_env, **extra}, timeout=90
    )
    assert result.returncode == 0, result.stdout + result.stderr + cluster.log()
    assert "20 in review, 0 failed, 0 unfinished" in result.stdout
    assert "] 20/20 done (in review 20)" in result.stdout  # the plain-text progress bar reached the end
    assert_every_design_has_its_files(media_root, 20)
    runpod = sandbox.state()["runpod"]
    assert runpod["submissions"] == 20
    assert max(runpod["submissions_by_prompt"].values()) == 1


def test_a_killed_cluster_loses_nothing(sandbox, qcluster, child_env, installed_defaults, tmp_path, media_root):
    sandbox.configure(runpod_latency=0.5, runpod_gpu_workers=4)
    extra = sandbox_env(sandbox, RUNPOD_MAX_IN_FLIGHT=4)
    first = qcluster(**extra)
    prompts = prompt_file(tmp_path, 30, "crash")
    # The waiting command plays the operator's terminal; it keeps waiting across the crash.
    waiter = subprocess.Popen(
        [sys.executable, "manage.py", "generate_designs", str(prompts), "--wait", "--timeout", "100"],
        cwd=settings.BASE_DIR,
        env={**child_env, **extra},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until(
            lambda: (
                Design.objects.filter(status=Status.REVIEW).count() >= 8
                and Design.objects.filter(status=Status.GENERATING).exists()
            ),
            timeout=40,
            message="a third of the designs in review while others are generating",
        )
        first.kill_hard()
        crashed_at = timezone.now()
        in_flight_at_crash = Design.objects.filter(status__in=[Status.QUEUED, Status.GENERATING]).count()
        assert in_flight_at_crash > 0
        second = qcluster(**extra)
        output, _ = waiter.communicate(timeout=110)
    finally:
        if waiter.poll() is None:
            waiter.kill()
    assert waiter.returncode == 0, output + first.log() + second.log()
    assert "30 in review, 0 failed, 0 unfinished" in output
    assert_every_design_has_its_files(media_root, 30)
    # One submission per design, except designs the recovery put back because the crash fell between
    # claiming them and saving their job id (the documented double-submit window); each says so.
    runpod = sandbox.state()["runpod"]
    resubmitted = {prompt for prompt, count in runpod["submissions_by_prompt"].items() if count > 1}
    recovered = set(
        DesignEvent.objects.filter(
            message__startswith="The worker stopped before RunPod confirmed the job"
        ).values_list("design__prompt", flat=True)
    )
    assert resubmitted <= recovered
    assert runpod["submissions"] == 30 + sum(runpod["submissions_by_prompt"][p] - 1 for p in resubmitted)
    assert len(resubmitted) <= 4  # at most what one pump had claimed at the moment of the crash
    after = DesignEvent.objects.filter(created_at__gt=crashed_at).order_by("created_at")
    resumed = (after.first().created_at - crashed_at).total_seconds()
    finished = (after.last().created_at - crashed_at).total_seconds()
    print(
        f"crash with {in_flight_at_crash} in flight; work resumed {resumed:.1f} s later, all done after "
        f"{finished:.1f} s; {len(resubmitted)} designs re-submitted after recovery"
    )


def test_a_restarted_cluster_resumes_at_once_and_collects_what_runpod_finished(
    sandbox, qcluster, installed_defaults, make_design, media_root
):
    """kill -9 of the only cluster with 30 in flight; RunPod finishes them all while it is down, past
    GENERATION_TIMEOUT. The new cluster asks RunPod before giving up on anything: all 30 in review, none cancelled."""
    from designs.services.generation import request_generation
    from designs.workflow import Source

    sandbox.configure(runpod_latency=3, runpod_gpu_workers=30)
    extra = sandbox_env(sandbox, RUNPOD_MAX_IN_FLIGHT=30, GENERATION_TIMEOUT=8)
    first = qcluster(**extra)
    designs = [make_design(prompt=f"restart design {n}, flat vector sticker", width=256, height=256) for n in range(30)]
    request_generation(designs, actor=None, source=Source.COMMAND)
    wait_until(
        lambda: Design.objects.filter(status=Status.GENERATING).exclude(runpod_job_id="").count() == 30,
        timeout=40,
        message=f"all 30 submitted\n{first.log()[-2000:]}",
    )
    first.kill_hard()
    time.sleep(10)  # RunPod finishes every job, and every job passes GENERATION_TIMEOUT, while nobody listens
    assert Design.objects.filter(status=Status.GENERATING).count() == 30
    second = qcluster(**extra)
    restarted = time.monotonic()
    wait_until(
        lambda: Design.objects.filter(status=Status.REVIEW).count() == 30,
        timeout=30,
        interval=0.5,
        message=f"all in review within 30 s; now {Design.objects.values_list('status', flat=True)[:30]}"
        f"\n{second.log()[-3000:]}",
    )
    resumed_after = time.monotonic() - restarted
    print(f"kill -9 with 30 in flight: all 30 in review {resumed_after:.1f} s after the restart (target 30 s)")
    assert not DesignEvent.objects.filter(message__contains="so it was cancelled").exists()
    assert sandbox.state()["runpod"]["submissions"] == 30
