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


def validate_workflow(workflow, parameter_map) -> None:
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
    if "prompt" not in parameter_map:
        raise WorkflowError('The parameter map must say where the prompt goes (e.g. "prompt": "6.text").')
    for name, path in parameter_map.items():
        if name not in PARAMETERS:
            raise WorkflowError(f"Unknown parameter {name!r}; known: {', '.join(PARAMETERS)}.")
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
