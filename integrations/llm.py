"""An OpenAI-compatible chat-completions client (POST {base}/chat/completions), on the shared HTTP layer.

Any server speaking this API works: OpenAI, a self-hosted vLLM, or RunPod's serverless vLLM workers at
https://api.runpod.ai/v2/<endpoint id>/openai/v1 with the RunPod API key as the bearer (merchandising.md).
Nothing here knows about designs or settings; designs/clients.py builds the client.

Repeating: an answer creates nothing on the server, so a call that failed on the way (connection error, 429,
502/503/504) may be sent again; the cost of a repeat is the tokens of one more answer, so it is repeated once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from integrations.http import (
    BadResponse,
    RetryPolicy,
    build_session,
    dumps,
    error_body,
    json_body,
    plain_reason,
    send,
    short_reason,
)

SERVICE = "The LLM"
DEFAULT_RETRY = RetryPolicy(attempts=2, max_retry_after=10.0)


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens)


@dataclass
class ChatAnswer:
    content: str
    model: str
    finish_reason: str | None = None
    # None when the server did not say (the API documents `usage`, but not every compatible server sends it).
    usage: Usage | None = field(default=None)


def openai_error_details(response: requests.Response) -> tuple[str | None, str | None]:
    """(code, reason) from OpenAI's {"error": {"message", "type", "code"}} (vLLM sends the same shape), or the
    simpler {"error": "..."} / {"message": "..."} / {"detail": "..."} other servers use."""
    body = error_body(response)
    error = body.get("error")
    if isinstance(error, dict):
        message = error.get("message")
        code = error.get("code") or error.get("type")
        return (str(code) if code else None), (message if isinstance(message, str) else None)
    return None, plain_reason(body)


class ChatClient:
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        *,
        session: requests.Session | None = None,
        timeout: float = 45.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        json_mode: bool = True,
    ):
        if not base_url or not model:
            raise ValueError("ChatClient needs a base URL and a model name")
        self.url = f"{base_url.rstrip('/')}/chat/completions"
        self.model = model
        self._api_key = api_key
        self.session = session or build_session()
        self.timeout = (5, timeout)
        self.retry = retry
        self.json_mode = json_mode

    def __repr__(self) -> str:
        return f"ChatClient({self.url!r}, model={self.model!r})"

    def complete(self, messages: list[dict], *, max_tokens: int = 800, temperature: float = 0.7) -> ChatAnswer:
        """One answer to `messages` ([{"role": "system"|"user"|"assistant", "content": "..."}])."""
        payload: dict = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if self.json_mode:
            # Both OpenAI and vLLM constrain the answer to a JSON object with this (OpenAI also wants the word
            # JSON in the messages, which the copy prompt has).
            payload["response_format"] = {"type": "json_object"}
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        response = send(
            self.session,
            "POST",
            self.url,
            service=SERVICE,
            what="the request for listing copy",
            safe_to_repeat=True,
            retry=self.retry,
            timeout=self.timeout,
            secrets=(self._api_key,),
            error_details=openai_error_details,
            data=dumps(payload),
            headers=headers,
        )
        return parse_answer(json_body(response, service=SERVICE, what="the listing copy", expect=dict))


def parse_answer(body: dict) -> ChatAnswer:
    """The first choice's text and the token usage of a chat.completion object; BadResponse for another shape."""
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise BadResponse(f"{SERVICE} sent an answer without choices", service=SERVICE)
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        refusal = message.get("refusal") if isinstance(message, dict) else None
        if isinstance(refusal, str) and refusal:
            raise BadResponse(f"{SERVICE} declined to write: {short_reason(refusal)}", service=SERVICE)
        raise BadResponse(f"{SERVICE} sent an answer without text", service=SERVICE)
    return ChatAnswer(
        content=content,
        model=str(body.get("model") or ""),
        finish_reason=choices[0].get("finish_reason"),
        usage=_usage(body.get("usage")),
    )


def _usage(value) -> Usage | None:
    if not isinstance(value, dict):
        return None
    prompt, completion = value.get("prompt_tokens"), value.get("completion_tokens")
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (prompt, completion)):
        return None
    return Usage(prompt, completion)
