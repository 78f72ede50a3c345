"""Contract: print preparation jobs (image in, print file out) through the real RunPodClient and the running sandbox.

The input is worker-comfyui's (handler.py @d2a5572): `input.images` = [{"name", "image": base64}] beside the
workflow, a LoadImage node naming the file; the sandbox must fail the job as the worker does when the names differ.
"""

import base64
import io
import time

import pytest
from PIL import Image

from integrations.comfyui import (
    PRINT_PARAMETER_MAP,
    UPSCALE_FOR_PRINT_WORKFLOW,
    UPSCALE_REMOVE_BACKGROUND_WORKFLOW,
    build_print_workflow,
)
from integrations.download import download_image
from integrations.http import RetryPolicy
from integrations.runpod import RunPodClient, describe_failure, parse_output

KEY = "sk-contract-print-key"


@pytest.fixture
def client(sandbox):
    sandbox.configure(runpod_api_key=KEY)
    retry = RetryPolicy(attempts=3, base=0.001, cap=0.005)
    return RunPodClient(KEY, "print-endpoint", f"{sandbox.url}/runpod/v2", retry=retry, timeout=(2, 10))


def design_png(size=(256, 256)) -> bytes:
    """A red disc on a flat white background: the background removal keys the white out."""
    from PIL import ImageDraw

    picture = Image.new("RGB", size, (255, 255, 255))
    ImageDraw.Draw(picture).ellipse((size[0] // 4, size[1] // 4, 3 * size[0] // 4, 3 * size[1] // 4), fill=(200, 0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def print_input(workflow, *, width, height, name="design-7.png", sent_name=None, data=None):
    graph = build_print_workflow(workflow, PRINT_PARAMETER_MAP, image_name=name, width=width, height=height)
    image = base64.b64encode(data or design_png()).decode()
    return {"workflow": graph, "images": [{"name": sent_name or name, "image": image}]}


def wait_terminal(client, job_id, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.status(job_id)
        if job.is_terminal:
            return job
        time.sleep(0.02)
    pytest.fail(f"job {job_id} not finished within {timeout} s")


def test_upscale_returns_the_input_resized_to_the_graph_size(client):
    job = wait_terminal(client, client.submit(print_input(UPSCALE_FOR_PRINT_WORKFLOW, width=1200, height=900)))
    assert job.status == "COMPLETED"
    [ref] = parse_output(job.output).images
    with Image.open(io.BytesIO(ref.data)) as picture:
        assert (picture.format, picture.size, picture.mode) == ("PNG", (1200, 900), "RGB")
        assert picture.getpixel((600, 450))[:3] == (200, 0, 0)  # the input, enlarged


def test_background_removal_returns_rgba_with_the_border_colour_transparent(client):
    job = wait_terminal(client, client.submit(print_input(UPSCALE_REMOVE_BACKGROUND_WORKFLOW, width=800, height=800)))
    [ref] = parse_output(job.output).images
    with Image.open(io.BytesIO(ref.data)) as picture:
        assert picture.mode == "RGBA" and picture.size == (800, 800)
        assert picture.getpixel((5, 5))[3] == 0  # the white border is gone
        assert picture.getpixel((400, 400)) == (200, 0, 0, 255)  # the disc stays


def test_print_sized_results_come_back_as_s3_urls(sandbox, client):
    job = wait_terminal(client, client.submit(print_input(UPSCALE_FOR_PRINT_WORKFLOW, width=4500, height=4500)))
    [ref] = parse_output(job.output).images
    assert ref.data is None and ref.url.startswith(sandbox.url)
    data = download_image(ref.url, max_bytes=200 * 1024 * 1024, allow_hosts=[sandbox.url.split("//")[1]])
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.size == (4500, 4500)


def test_a_load_image_naming_an_image_not_sent_fails_like_worker_comfyui(client):
    body = print_input(UPSCALE_FOR_PRINT_WORKFLOW, width=512, height=512, sent_name="other.png")
    job = wait_terminal(client, client.submit(body))
    assert job.status == "FAILED"
    assert job.error.startswith("Workflow validation failed:")
    assert "Invalid image file: design-7.png" in describe_failure(job)


def test_images_must_be_objects_with_name_and_image(client):
    body = print_input(UPSCALE_FOR_PRINT_WORKFLOW, width=512, height=512)
    body["images"] = [{"file": "design-7.png"}]
    job = wait_terminal(client, client.submit(body))
    assert (job.status, job.error) == ("FAILED", "'images' must be a list of objects with 'name' and 'image' keys")


def test_an_undecodable_input_image_fails_with_the_upload_details(client):
    body = print_input(UPSCALE_FOR_PRINT_WORKFLOW, width=512, height=512)
    body["images"][0]["image"] = "not base64 at all!"
    job = wait_terminal(client, client.submit(body))
    assert job.status == "FAILED"
    assert job.error == "Failed to upload one or more input images"
    assert "Error decoding base64 for design-7.png" in describe_failure(job)
