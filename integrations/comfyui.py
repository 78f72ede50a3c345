"""Build an API-format ComfyUI graph from a workflow template plus parameters.

A preset is a workflow (as ComfyUI's "Save (API)" exports it) and a parameter map saying where each
parameter goes: {"prompt": "6.text", "seed": "31.seed", …}. Nothing here knows about Django.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass

MAX_SEED = 2**64 - 1  # ComfyUI's KSampler accepts 0..2**64-1
PARAMETERS = ("prompt", "negative_prompt", "seed", "width", "height", "steps", "guidance", "batch_size")

# worker-comfyui's Flux dev fp8 graph (runpod-api.md §4): the checkpoint holds model, CLIP and VAE;
# Flux wants cfg 1 with the guidance in FluxGuidance.
FLUX_DEV_FP8_WORKFLOW: dict = {
    "30": {
        "class_type": "CheckpointLoaderSimple",
        "inputs": {"ckpt_name": "flux1-dev-fp8.safetensors"},
    },
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["30", 1]}},
    "33": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["30", 1]}},
    "35": {"class_type": "FluxGuidance", "inputs": {"guidance": 3.5, "conditioning": ["6", 0]}},
    "27": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
    "31": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 0,
            "steps": 20,
            "cfg": 1,
            "sampler_name": "euler",
            "scheduler": "simple",
            "denoise": 1,
            "model": ["30", 0],
            "positive": ["35", 0],
            "negative": ["33", 0],
            "latent_image": ["27", 0],
        },
    },
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["31", 0], "vae": ["30", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
}

FLUX_DEV_FP8_PARAMETER_MAP: dict[str, str] = {
    "prompt": "6.text",
    "negative_prompt": "33.text",
    "seed": "31.seed",
    "steps": "31.steps",
    "guidance": "35.guidance",
    "width": "27.width",
    "height": "27.height",
    "batch_size": "27.batch_size",
}


class WorkflowError(ValueError):
    """The workflow, its parameter map or a parameter value is unusable; the message says which."""


@dataclass(frozen=True)
class Limits:
    min_size: int = 256
    max_size: int = 2048
    size_step: int = 16
    min_steps: int = 1
    max_steps: int = 100
    max_batch_size: int = 8


@dataclass(frozen=True)
class BuiltWorkflow:
    graph: dict
    seed: int  # the seed actually used, so the image can be reproduced


def validate_workflow(workflow, parameter_map, *, known=PARAMETERS, required=("prompt",)) -> None:
    """Raise WorkflowError unless the workflow is an API-format graph and every mapping points into it."""
    if not isinstance(workflow, dict) or not workflow:
        raise WorkflowError("The workflow must be a non-empty JSON object of nodes (ComfyUI 'Save (API)' format).")
    for node_id, node in workflow.items():
        if not isinstance(node, dict) or "class_type" not in node or not isinstance(node.get("inputs"), dict):
            raise WorkflowError(
                f"Node {node_id!r} is not an API-format node (needs 'class_type' and 'inputs'); "
                "export the workflow with 'Save (API)'."
            )
    if not isinstance(parameter_map, dict):
        raise WorkflowError("The parameter map must be a JSON object of parameter → 'node_id.input'.")
    for name in required:
        if name not in parameter_map:
            example = {"prompt": '"prompt": "6.text"', "image": '"image": "1.image"'}.get(name, f'"{name}": "4.{name}"')
            raise WorkflowError(f"The parameter map must say where the {name} goes (e.g. {example}).")
    for name, path in parameter_map.items():
        if name not in known:
            raise WorkflowError(f"Unknown parameter {name!r}; known: {', '.join(known)}.")
        node_id, input_name = _split_path(name, path)
        if node_id not in workflow:
            raise WorkflowError(f"Parameter {name!r} points at node {node_id!r}, which the workflow does not have.")
        if input_name not in workflow[node_id]["inputs"]:
            raise WorkflowError(
                f"Parameter {name!r} points at input {input_name!r} of node {node_id!r} "
                f"({workflow[node_id]['class_type']}), which has no such input."
            )


def build_workflow(
    workflow: dict,
    parameter_map: dict[str, str],
    *,
    prompt: str,
    negative_prompt: str = "",
    seed: int | None = None,
    width: int = 1024,
    height: int = 1024,
    steps: int = 20,
    guidance: float = 3.5,
    batch_size: int = 1,
    limits: Limits = Limits(),
) -> BuiltWorkflow:
    """A copy of `workflow` with the parameters written where the map says. A missing seed is drawn at random."""
    validate_workflow(workflow, parameter_map)
    if not isinstance(prompt, str) or not prompt.strip():
        raise WorkflowError("The prompt is empty.")
    if seed is None:
        seed = secrets.randbelow(2**63)  # fits the signed 64-bit column designs store it in
    values = {
        "prompt": prompt,
        "negative_prompt": negative_prompt or "",
        "seed": _check_int("seed", seed, 0, MAX_SEED),
        "width": _check_size("width", width, limits),
        "height": _check_size("height", height, limits),
        "steps": _check_int("steps", steps, limits.min_steps, limits.max_steps),
        "guidance": _check_guidance(guidance),
        "batch_size": _check_int("batch_size", batch_size, 1, limits.max_batch_size),
    }
    graph = copy.deepcopy(workflow)
    for name, path in parameter_map.items():
        node_id, input_name = _split_path(name, path)
        graph[node_id]["inputs"][input_name] = values[name]
    return BuiltWorkflow(graph=graph, seed=values["seed"])


def _split_path(name: str, path) -> tuple[str, str]:
    if not isinstance(path, str) or path.count(".") != 1 or not all(path.split(".")):
        raise WorkflowError(f"Parameter {name!r} must map to 'node_id.input', got {path!r}.")
    node_id, input_name = path.split(".")
    return node_id, input_name


def _check_int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WorkflowError(f"{name} must be a whole number, got {value!r}.")
    if not low <= value <= high:
        raise WorkflowError(f"{name} must be between {low} and {high}, got {value}.")
    return value


def _check_size(name: str, value, limits: Limits) -> int:
    _check_int(name, value, limits.min_size, limits.max_size)
    if value % limits.size_step:
        raise WorkflowError(f"{name} must be a multiple of {limits.size_step}, got {value}.")
    return value


def _check_guidance(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise WorkflowError(f"guidance must be a number from 0 to 100, got {value!r}.")
    return float(value)


# --- print preparation: image in, print file out ---------------------------------------------------------------

PRINT_PARAMETERS = ("image", "width", "height")
MAX_PRINT_SIDE = 16384  # ComfyUI's ImageScale accepts up to MAX_RESOLUTION = 16384


def validate_print_workflow(workflow, parameter_map) -> None:
    """A print preset: an API graph that loads the design with LoadImage, saves with SaveImage, and maps "image"
    to that LoadImage's image input and "width"/"height" to the final resize (e.g. ImageScale)."""
    validate_workflow(workflow, parameter_map, known=PRINT_PARAMETERS, required=PRINT_PARAMETERS)
    classes = {node["class_type"] for node in workflow.values()}
    for needed, why in (("LoadImage", "the design's image is loaded there"), ("SaveImage", "the print file is saved")):
        if needed not in classes:
            raise WorkflowError(f"A print preparation workflow needs a {needed} node ({why}); this one has none.")
    node_id, input_name = _split_path("image", parameter_map["image"])
    if workflow[node_id]["class_type"] != "LoadImage" or input_name != "image":
        raise WorkflowError(
            f'"image" must point at the image input of a LoadImage node, not {node_id}.{input_name} '
            f"({workflow[node_id]['class_type']})."
        )


def build_print_workflow(workflow: dict, parameter_map: dict[str, str], *, image_name: str, width: int, height: int):
    """A copy of a print preset's graph loading `image_name` (sent beside it in input.images) and sized
    width × height."""
    validate_print_workflow(workflow, parameter_map)
    if not isinstance(image_name, str) or not image_name or "/" in image_name or "\\" in image_name:
        raise WorkflowError(f"The input image name must be a plain file name, got {image_name!r}.")
    values = {
        "image": image_name,
        "width": _check_int("width", width, 16, MAX_PRINT_SIDE),
        "height": _check_int("height", height, 16, MAX_PRINT_SIDE),
    }
    graph = copy.deepcopy(workflow)
    for name, path in parameter_map.items():
        node_id, input_name = _split_path(name, path)
        graph[node_id]["inputs"][input_name] = values[name]
    return graph


# The two print presets migration 0016 installs. Core nodes (merchandising.md): UpscaleModelLoader loads a file
# from models/upscale_models (it must be in the worker image), ImageUpscaleWithModel runs it (4× for these
# models), ImageScale resizes to the exact print-area pixels.
UPSCALE_MODEL = "RealESRGAN_x4plus.pth"
UPSCALE_FOR_PRINT_WORKFLOW: dict = {
    "1": {"class_type": "LoadImage", "inputs": {"image": "design.png"}},
    "2": {"class_type": "UpscaleModelLoader", "inputs": {"model_name": UPSCALE_MODEL}},
    "3": {"class_type": "ImageUpscaleWithModel", "inputs": {"upscale_model": ["2", 0], "image": ["1", 0]}},
    "4": {
        "class_type": "ImageScale",
        "inputs": {"upscale_method": "lanczos", "width": 4500, "height": 5400, "crop": "disabled", "image": ["3", 0]},
    },
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "print", "images": ["4", 0]}},
}
PRINT_PARAMETER_MAP = {"image": "1.image", "width": "4.width", "height": "4.height"}
# Background removal is not a core node. This is "Remove Background (RMBG)" from the ComfyUI-RMBG custom node
# (github.com/1038lab/ComfyUI-RMBG, py/AILab_RMBG.py @043f80e: class RMBG, required image + model, optional
# sensitivity, process_res, mask_blur, mask_offset, invert_output, refine_foreground, background "Alpha" | "Color");
# with background "Alpha" its first output is the RGBA image. The worker image must include that node (and its
# model, downloaded on first use into models/RMBG/). It runs after the resize: the mask is computed at
# process_res and scaled to the print size, and the upscaler never sees an alpha channel.
UPSCALE_REMOVE_BACKGROUND_WORKFLOW: dict = {
    **copy.deepcopy(UPSCALE_FOR_PRINT_WORKFLOW),
    "5": {
        "class_type": "RMBG",
        "inputs": {
            "image": ["4", 0],
            "model": "RMBG-2.0",
            "sensitivity": 1.0,
            "process_res": 1024,
            "mask_blur": 0,
            "mask_offset": 0,
            "invert_output": False,
            "refine_foreground": False,
            "background": "Alpha",
            "background_color": "#222222",
        },
    },
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "print", "images": ["5", 0]}},
}
