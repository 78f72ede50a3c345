"""Helpers for the listing-copy tests: LLM settings pointing at a `responses`-mocked server, and its answers."""

import json

import pytest

LLM_BASE = "https://llm.example.test/openai/v1"
LLM_URL = f"{LLM_BASE}/chat/completions"
LLM_KEY = "llm-secret-key-0123456789"
GOOD_COPY = {"title": "Red Fox Woodcut", "description": "A red fox in the snow.", "tags": ["fox", "woodcut"]}


@pytest.fixture
def llm_settings(settings):
    settings.LLM_API_BASE = LLM_BASE
    settings.LLM_API_KEY = LLM_KEY
    settings.LLM_MODEL = "copy-model"
    settings.LLM_COST_PER_MILLION_INPUT_TOKENS = 1.0
    settings.LLM_COST_PER_MILLION_OUTPUT_TOKENS = 3.0
    settings.POD_SANDBOX = False
    return settings


def answer(content, *, prompt_tokens=100, completion_tokens=50) -> dict:
    if not isinstance(content, str):
        content = json.dumps(content)
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "model": "copy-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
