"""Image-in workflows (print preparation) as worker-comfyui runs them, for the RunPod fake.

worker-comfyui (runpod-workers/worker-comfyui, handler.py @d2a5572) takes `input.images`, a list of
{"name", "image"} objects with base64 images (a data-URI prefix is cut at the first comma), and writes each into
ComfyUI's input folder; validate_input() refuses anything else with "'images' must be a list of objects with
'name' and 'image' keys". A LoadImage naming a file that was not sent fails ComfyUI's prompt validation, which
the handler reports as "Workflow validation failed:" followed by one line per node error (FAILED).

Here the upscaler is Pillow: the input is resized to the graph's final size (the width/height of its ImageScale
node), and a background-removal node (any class_type naming RMBG, rembg, BiRefNet or background removal) keys out
the border colour, so the result is an RGBA PNG with a transparent background.
"""

from __future__ import annotations

import base64
import binascii
import io
import re

from PIL import Image, ImageChops

# Bigger results "run out of GPU memory" (FAILED) instead of eating the host's RAM; above a 5400×7200 poster.
MAX_IMAGE_JOB_PIXELS = 40_000_000
# Results above this many pixels come back as s3_url, as a worker with S3 configured for print presets does
# (merchandising.md: a 4500×5400 RGBA PNG is 20–40 MB, too large for RunPod's job-done message).
S3_ABOVE_PIXELS = 4_000_000
BACKGROUND_REMOVAL = re.compile(r"rmbg|rembg|birefnet|remove ?background|backgroundremov", re.IGNORECASE)
KEY_TOLERANCE = 48  # per channel: pixels this close to the border colour become transparent


def is_image_workflow(workflow: dict) -> bool:
    return any(node.get("class_type") == "LoadImage" for node in workflow.values())


def read_image_workflow(workflow: dict, job_input: dict) -> dict:
    """Params for an image-in job: the decoded input, the target size, background removal; or {"error": …}."""
    sent = job_input.get("images")
    if sent is not None and (
        not isinstance(sent, list) or not all(isinstance(i, dict) and "name" in i and "image" in i for i in sent)
    ):
        return {"prompt": "", "images": 0, "error": "'images' must be a list of objects with 'name' and 'image' keys"}
    by_name = {str(item["name"]): item["image"] for item in sent or []}
    inputs: dict[str, bytes] = {}
    for name, text in by_name.items():
        try:
            data = base64.b64decode(str(text).split(",", 1)[-1], validate=True)
        except (binascii.Error, ValueError) as error:
            return {
                "prompt": "",
                "images": 0,
                "error": "Failed to upload one or more input images",
                "details": [f"Error decoding base64 for {name}: {error}"],
            }
        inputs[name] = data
    errors, loaded = [], None
    for node_id, node in workflow.items():
        if node.get("class_type") != "LoadImage":
            continue
        name = str(node["inputs"].get("image", ""))
        if name not in inputs:
            details = f"image - Invalid image file: {name}"
            errors.append(
                f"• Node {node_id} (errors): [{{'type': 'custom_validation_failed', 'message': 'Custom validation "
                f"failed for node', 'details': '{details}', 'extra_info': {{}}}}]"
            )
            errors.append(f"• Node {node_id} (class_type): LoadImage")
        elif loaded is None:
            loaded = inputs[name]
    if errors:
        return {"prompt": "", "images": 0, "error": "Workflow validation failed:\n" + "\n".join(errors)}
    try:
        with Image.open(io.BytesIO(loaded)) as picture:
            size = picture.size
    except (OSError, ValueError):
        return {
            "prompt": "",
            "images": 0,
            "error": "Workflow execution error: Node Type: LoadImage, Message: cannot identify image file",
        }
    width, height = size
    for node in workflow.values():
        if node.get("class_type") in ("ImageScale", "ImageScaleBy") or "Resize" in str(node.get("class_type")):
            inputs_ = node["inputs"]
            if isinstance(inputs_.get("width"), int) and isinstance(inputs_.get("height"), int):
                width, height = inputs_["width"], inputs_["height"]
    if width * height > MAX_IMAGE_JOB_PIXELS:
        return {
            "prompt": "",
            "images": 0,
            "error": f"Workflow execution error: Node Type: ImageScale, Message: Allocation on device: out of GPU "
            f"memory (sandbox limit {MAX_IMAGE_JOB_PIXELS // 1_000_000} Mpx per job)",
        }
    saves = sum(1 for node in workflow.values() if node.get("class_type") == "SaveImage")
    if not saves:
        return {"prompt": "", "images": 0, "error": "Workflow validation failed: Prompt has no outputs"}
    return {
        "prompt": "",
        "seed": 0,
        "width": width,
        "height": height,
        "images": saves,
        "input_image": loaded,
        "remove_background": any(BACKGROUND_REMOVAL.search(str(node.get("class_type"))) for node in workflow.values()),
    }


def wants_s3(params: dict) -> bool:
    return "input_image" in params and params["width"] * params["height"] > S3_ABOVE_PIXELS


def render_image_job(params: dict) -> bytes:
    """The input resized to the target size (RGBA with the background keyed out if asked) as a PNG."""
    with Image.open(io.BytesIO(params["input_image"])) as source:
        source.load()
        picture = source.convert("RGBA")
    mask = _background_mask(picture) if params.get("remove_background") else None
    target = (params["width"], params["height"])
    picture = picture.resize(target, Image.Resampling.BILINEAR)
    if mask is not None:
        picture.putalpha(mask.resize(target, Image.Resampling.BILINEAR))
    elif picture.getchannel("A").getextrema()[0] == 255:
        picture = picture.convert("RGB")  # SaveImage writes RGB when there is no alpha
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _background_mask(picture: Image.Image) -> Image.Image:
    """Opaque where the pixel differs from the border colour (the most common corner colour), else transparent;
    computed at the input's size, then scaled with the picture."""
    rgb = picture.convert("RGB")
    width, height = rgb.size
    corners = [rgb.getpixel(point) for point in ((0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1))]
    border = max(set(corners), key=corners.count)
    difference = ImageChops.difference(rgb, Image.new("RGB", rgb.size, border))
    channels = difference.split()
    largest = ImageChops.lighter(ImageChops.lighter(channels[0], channels[1]), channels[2])
    return largest.point(lambda value: 255 if value > KEY_TOLERANCE else 0)
