"""integrations.comfyui: parameters land where the map says; bad workflows and values get clear errors."""

import copy

import pytest

from integrations.comfyui import (
    FLUX_DEV_FP8_PARAMETER_MAP,
    FLUX_DEV_FP8_WORKFLOW,
    MAX_SEED,
    Limits,
    WorkflowError,
    build_workflow,
    validate_workflow,
)


def build(**overrides):
    values = {"prompt": "a red fox, woodcut", "seed": 42}
    values.update(overrides)
    return build_workflow(FLUX_DEV_FP8_WORKFLOW, FLUX_DEV_FP8_PARAMETER_MAP, **values)


def test_default_template_is_the_flux_dev_fp8_graph():
    graph = FLUX_DEV_FP8_WORKFLOW
    assert graph["30"]["class_type"] == "CheckpointLoaderSimple"
    assert graph["30"]["inputs"]["ckpt_name"] == "flux1-dev-fp8.safetensors"
    assert graph["35"]["class_type"] == "FluxGuidance"
    assert graph["27"]["class_type"] == "EmptySD3LatentImage"
    sampler = graph["31"]["inputs"]
    assert (graph["31"]["class_type"], sampler["cfg"], sampler["sampler_name"], sampler["scheduler"]) == (
        "KSampler",
        1,
        "euler",
        "simple",
    )
    assert sampler["positive"] == ["35", 0] and sampler["negative"] == ["33", 0]
    assert graph["9"]["class_type"] == "SaveImage"
    validate_workflow(FLUX_DEV_FP8_WORKFLOW, FLUX_DEV_FP8_PARAMETER_MAP)


def test_every_parameter_lands_on_its_node_input():
    built = build(negative_prompt="blurry", seed=7, width=768, height=1280, steps=30, guidance=4.5, batch_size=2)
    graph = built.graph
    assert graph["6"]["inputs"]["text"] == "a red fox, woodcut"
    assert graph["33"]["inputs"]["text"] == "blurry"
    assert graph["31"]["inputs"]["seed"] == 7 and built.seed == 7
    assert graph["31"]["inputs"]["steps"] == 30
    assert graph["35"]["inputs"]["guidance"] == 4.5
    assert (graph["27"]["inputs"]["width"], graph["27"]["inputs"]["height"]) == (768, 1280)
    assert graph["27"]["inputs"]["batch_size"] == 2
    assert graph["31"]["inputs"]["cfg"] == 1  # untouched inputs keep the template's values


def test_the_template_is_not_modified():
    before = copy.deepcopy(FLUX_DEV_FP8_WORKFLOW)
    build(prompt="something else", seed=1)
    assert FLUX_DEV_FP8_WORKFLOW == before


def test_missing_seed_is_drawn_and_recorded():
    seeds = {build(seed=None).seed for _ in range(5)}
    assert len(seeds) > 1
    for seed in seeds:
        assert 0 <= seed < 2**63  # fits the signed 64-bit column designs store it in
    built = build(seed=None)
    assert built.graph["31"]["inputs"]["seed"] == built.seed


def test_user_workflow_with_its_own_map():
    workflow = {
        "1": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "x"}},
        "3": {"class_type": "RandomNoise", "inputs": {"noise_seed": 0}},
    }
    built = build_workflow(workflow, {"prompt": "2.text", "seed": "3.noise_seed"}, prompt="owl", seed=MAX_SEED)
    assert built.graph["2"]["inputs"]["text"] == "owl"
    assert built.graph["3"]["inputs"]["noise_seed"] == MAX_SEED == 2**64 - 1


@pytest.mark.parametrize(
    ("workflow", "parameter_map", "message"),
    [
        ({}, {"prompt": "6.text"}, "must be a non-empty JSON object"),
        ({"nodes": [], "links": []}, {"prompt": "6.text"}, "Node 'nodes' is not an API-format node"),
        (FLUX_DEV_FP8_WORKFLOW, ["6.text"], "parameter map must be a JSON object"),
        (FLUX_DEV_FP8_WORKFLOW, {"seed": "31.seed"}, "must say where the prompt goes"),
        (FLUX_DEV_FP8_WORKFLOW, {"prompt": "6.text", "cfg": "31.cfg"}, "Unknown parameter 'cfg'"),
        (FLUX_DEV_FP8_WORKFLOW, {"prompt": "99.text"}, "points at node '99', which the workflow does not have"),
        (FLUX_DEV_FP8_WORKFLOW, {"prompt": "6.txt"}, "input 'txt' of node '6' (CLIPTextEncode), which has no such"),
        (FLUX_DEV_FP8_WORKFLOW, {"prompt": "6"}, "must map to 'node_id.input', got '6'"),
        (FLUX_DEV_FP8_WORKFLOW, {"prompt": "6.text.x"}, "must map to 'node_id.input'"),
    ],
)
def test_invalid_workflows_and_maps(workflow, parameter_map, message):
    with pytest.raises(WorkflowError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_workflow(workflow, parameter_map)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"prompt": "  "}, "The prompt is empty."),
        ({"width": 1000}, "width must be a multiple of 16, got 1000."),
        ({"height": 240}, "height must be between 256 and 2048, got 240."),
        ({"width": 2064}, "width must be between 256 and 2048, got 2064."),
        ({"width": 512.0}, "width must be a whole number, got 512.0."),
        ({"steps": 0}, "steps must be between 1 and 100, got 0."),
        ({"steps": 101}, "steps must be between 1 and 100, got 101."),
        ({"seed": -1}, "seed must be between 0 and 18446744073709551615, got -1."),
        ({"seed": 2**64}, "seed must be between 0 and 18446744073709551615, got 18446744073709551616."),
        ({"seed": True}, "seed must be a whole number, got True."),
        ({"guidance": 101}, "guidance must be a number from 0 to 100, got 101."),
        ({"guidance": "3.5"}, "guidance must be a number from 0 to 100, got '3.5'."),
        ({"batch_size": 9}, "batch_size must be between 1 and 8, got 9."),
    ],
)
def test_invalid_values(overrides, message):
    with pytest.raises(WorkflowError) as caught:
        build(**overrides)
    assert str(caught.value) == message


def test_limits_are_configurable():
    limits = Limits(min_size=64, max_size=4096, size_step=64, max_steps=150)
    built = build_workflow(
        FLUX_DEV_FP8_WORKFLOW, FLUX_DEV_FP8_PARAMETER_MAP, prompt="x", width=4096, height=64, steps=150, limits=limits
    )
    assert built.graph["27"]["inputs"]["width"] == 4096
    with pytest.raises(WorkflowError, match="multiple of 64"):
        build_workflow(FLUX_DEV_FP8_WORKFLOW, FLUX_DEV_FP8_PARAMETER_MAP, prompt="x", width=96, limits=limits)
