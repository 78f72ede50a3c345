"""Contract: ChatClient against the sandbox's OpenAI-compatible server over a real socket."""

import json

import pytest

from integrations.http import AuthError, NotFound, Rejected, RetryPolicy
from integrations.llm import ChatClient

MESSAGES = [
    {"role": "system", "content": "Answer with JSON."},
    {"role": "user", "content": "Design prompt: a red fox in the snow, woodcut\nStyle: woodcut\nProduct: Kids tee"},
]
NO_WAIT = RetryPolicy(attempts=2, base=0.001, cap=0.001, sleep=lambda seconds: None)


def client_for(sandbox, key="any-key", model="sandbox-copywriter"):
    return ChatClient(f"{sandbox.url}/openai/v1", model, key, retry=NO_WAIT)


def test_the_sandbox_answers_deterministically_from_the_prompt(sandbox):
    first = client_for(sandbox).complete(MESSAGES)
    second = client_for(sandbox).complete([*MESSAGES[:1], MESSAGES[1]])
    listing = json.loads(first.content)
    assert first.content == second.content
    assert listing["title"] == "Red Fox Snow Woodcut"  # product-neutral, as the rules ask
    assert "fox" in listing["tags"] and len(listing["tags"]) <= 13
    assert first.usage.total_tokens > 0 and first.model == "sandbox-copywriter"
    assert sandbox.state()["llm"]["answers"] == 2


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        ("not_json", lambda content: not content.startswith("{")),
        ("fenced", lambda content: content.startswith("```json")),
        ("too_long", lambda content: len(json.loads(content)["title"]) > 140),
        ("wrong_shape", lambda content: "keywords" in json.loads(content)),
    ],
)
def test_answer_faults_come_through_as_answers(sandbox, fault, check):
    sandbox.configure(llm_next_answers=[fault])
    assert check(client_for(sandbox).complete(MESSAGES).content)
    assert json.loads(client_for(sandbox).complete(MESSAGES).content)["title"]  # one fault per request


def test_no_usage_fault_leaves_usage_out(sandbox):
    sandbox.configure(llm_next_answers=["no_usage"])
    assert client_for(sandbox).complete(MESSAGES).usage is None


def test_refused_wrong_key_and_unknown_model_are_typed_errors(sandbox):
    sandbox.configure(llm_next_answers=["refused"])
    with pytest.raises(Rejected, match="content_filter"):
        client_for(sandbox).complete(MESSAGES)
    sandbox.configure(llm_api_key="right-key", llm_model="served-model")
    with pytest.raises(AuthError):
        client_for(sandbox, key="wrong-key", model="served-model").complete(MESSAGES)
    with pytest.raises(NotFound, match="does not exist"):
        client_for(sandbox, key="right-key", model="other-model").complete(MESSAGES)
    assert client_for(sandbox, key="right-key", model="served-model").complete(MESSAGES).content


def test_a_bad_request_body_is_refused_like_the_real_api(sandbox):
    import requests

    response = requests.post(
        f"{sandbox.url}/openai/v1/chat/completions",
        json={"model": "m", "messages": "hello"},
        headers={"Authorization": "Bearer k"},
        timeout=5,
    )
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"
