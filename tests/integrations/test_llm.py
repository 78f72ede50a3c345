"""ChatClient (OpenAI-compatible chat completions) with `responses`: the request, the answer, failures in words,
the key never shown."""

import json

import pytest
import requests
import responses

from integrations.http import AuthError, BadResponse, IntegrationTimeout, NotFound, RateLimited, Rejected, RetryPolicy
from integrations.llm import ChatClient, Usage, parse_answer

KEY = "rpa_LLMSECRET0123456789"
BASE = "https://api.runpod.ai/v2/vllm-abc123/openai/v1"
URL = f"{BASE}/chat/completions"
MESSAGES = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Design prompt: fox"}]


def completion(content='{"title": "Fox"}', usage=True, **extra):
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "mistral-7b-instruct",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        **extra,
    }
    if usage:
        body["usage"] = {"prompt_tokens": 120, "completion_tokens": 45, "total_tokens": 165}
    return body


@pytest.fixture
def client():
    no_wait = RetryPolicy(attempts=2, base=0.001, cap=0.001, sleep=lambda seconds: None)
    return ChatClient(BASE, "mistral-7b-instruct", KEY, retry=no_wait)


@responses.activate
def test_complete_sends_the_model_messages_and_json_mode_with_the_key_as_bearer(client):
    responses.post(URL, json=completion())
    answer = client.complete(MESSAGES, max_tokens=500, temperature=0.2)
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert json.loads(sent.body) == {
        "model": "mistral-7b-instruct",
        "messages": MESSAGES,
        "max_tokens": 500,
        "temperature": 0.2,
        "response_format": {"type": "json_object"},
    }
    assert answer.content == '{"title": "Fox"}' and answer.model == "mistral-7b-instruct"
    assert answer.usage == Usage(120, 45) and answer.usage.total_tokens == 165


@responses.activate
def test_json_mode_can_be_switched_off_for_servers_that_refuse_it():
    responses.post(URL, json=completion())
    ChatClient(BASE, "m", KEY, json_mode=False).complete(MESSAGES)
    assert "response_format" not in json.loads(responses.calls[0].request.body)


@responses.activate
def test_an_answer_without_usage_has_none(client):
    responses.post(URL, json=completion(usage=False))
    assert client.complete(MESSAGES).usage is None


@pytest.mark.parametrize(
    ("status", "body", "error_type", "words"),
    [
        (401, {"error": {"message": f"Incorrect API key {KEY}", "type": "invalid_request_error"}}, AuthError,
         "The LLM refused our credentials (HTTP 401): Incorrect API key [redacted]"),
        (404, {"error": {"message": "The model `x` does not exist.", "type": "NotFoundError"}}, NotFound,
         "could not find the request for listing copy (HTTP 404): The model `x` does not exist."),
        (400, {"error": {"message": "Content filtered.", "type": "invalid_request_error", "code": "content_filter"}},
         Rejected, "The LLM refused the request for listing copy (content_filter): Content filtered."),
        # vLLM's older flat error shape
        (400, {"object": "error", "message": "max_tokens is too large", "type": "BadRequestError", "code": 400},
         Rejected, "max_tokens is too large"),
    ],
)  # fmt: skip
@responses.activate
def test_refusals_are_typed_and_said_in_words_without_the_key(client, status, body, error_type, words):
    responses.post(URL, json=body, status=status)
    with pytest.raises(error_type) as error:
        client.complete(MESSAGES)
    assert words in str(error.value) and KEY not in str(error.value)
    assert len(responses.calls) == 1  # a refusal is not repeated


@responses.activate
def test_a_rate_limit_is_repeated_once_then_reported(client):
    responses.post(URL, json={"error": {"message": "busy"}}, status=429)
    with pytest.raises(RateLimited):
        client.complete(MESSAGES)
    assert len(responses.calls) == 2


@responses.activate
def test_a_server_error_then_an_answer(client):
    responses.post(URL, json={"error": "worker restarting"}, status=503)
    responses.post(URL, json=completion())
    assert client.complete(MESSAGES).content == '{"title": "Fox"}'


@responses.activate
def test_a_slow_server_is_a_timeout_in_words(client):
    responses.post(URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(IntegrationTimeout, match="The LLM did not answer in time"):
        client.complete(MESSAGES)


@pytest.mark.parametrize(
    "body",
    [
        "<html>gateway</html>",
        json.dumps({"choices": []}),
        json.dumps({"choices": [{"message": {"role": "assistant", "content": None}}]}),
    ],
)
@responses.activate
def test_answers_in_the_wrong_shape_are_bad_responses(client, body):
    responses.post(URL, body=body, content_type="application/json")
    with pytest.raises(BadResponse):
        client.complete(MESSAGES)


def test_a_refusal_message_is_reported():
    body = {"choices": [{"message": {"role": "assistant", "content": None, "refusal": "I can't help with that."}}]}
    with pytest.raises(BadResponse, match="declined to write: I can't help with that."):
        parse_answer(body)


def test_the_client_needs_a_base_and_a_model_and_hides_the_key_in_repr():
    with pytest.raises(ValueError):
        ChatClient("", "m")
    assert KEY not in repr(ChatClient(BASE, "m", KEY))
