"""An OpenAI-compatible chat-completions server (as vLLM serves it, also on RunPod at /v2/<id>/openai/v1), on
loopback at /openai/v1/…: POST chat/completions and GET models.

Answers are deterministic: the listing is made from the words of the conversation's first user message (its
"Design prompt:" line when there is one), so the same prompt always gets the same copy. Faults to exercise the
client come from `llm_next_answers` (one per request): not_json, fenced, too_long, wrong_shape, refused (400),
slow (llm_slow_seconds late), no_usage. Error bodies follow OpenAI's {"error": {"message", "type", "code"}}.
"""

from __future__ import annotations

import collections
import json
import re
import secrets
import threading
import time

from .base import FaultDice, Request, Response, SandboxConfig, json_response

STOPWORDS = frozenset(
    "a an and are as at be but by for from has have in into is it its of on or over that the this to under was "
    "were with without very style not given design prompt product".split()
)
_WORD = re.compile(r"[^\W\d_]{3,}")


def _error(status: int, message: str, kind: str, code: str | None = None) -> Response:
    return json_response(status, {"error": {"message": message, "type": kind, "param": None, "code": code}})


class LLMFake:
    def __init__(self, config: SandboxConfig, dice: FaultDice):
        self.config = config
        self.dice = dice
        self._lock = threading.Lock()
        self.counts: collections.Counter = collections.Counter()

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()

    def state(self) -> dict:
        with self._lock:
            return {"requests": self.counts["requests"], **dict(self.counts)}

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.counts["requests"] += 1
        fault = self.dice.http_fault()
        if fault:
            return _error(fault, "Too Many Requests" if fault == 429 else "Internal Server Error", "server_error")
        if not self._authorized(request):
            return _error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        if request.method == "GET" and request.path == "models":
            model = self.config.llm_model or "sandbox-copywriter"
            return json_response(
                200, {"object": "list", "data": [{"id": model, "object": "model", "owned_by": "sandbox"}]}
            )
        if request.method == "POST" and request.path == "chat/completions":
            return self._complete(request)
        return _error(404, f"Not found: {request.method} /{request.path}", "invalid_request_error")

    def _authorized(self, request: Request) -> bool:
        scheme, _, key = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return False
        return key.strip() == self.config.llm_api_key if self.config.llm_api_key else True

    def _complete(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            return _error(400, "The body must be a JSON object.", "invalid_request_error")
        model, messages = body.get("model"), body.get("messages")
        if not isinstance(model, str) or not model:
            return _error(400, "model: field required", "invalid_request_error")
        if self.config.llm_model and model != self.config.llm_model:
            return _error(404, f"The model `{model}` does not exist.", "NotFoundError")
        if (
            not isinstance(messages, list)
            or not messages
            or not all(
                isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
                for m in messages
            )
        ):
            return _error(400, "messages: a non-empty list of {role, content} is required", "invalid_request_error")
        fault = self.dice.pop("llm_next_answers")
        if fault == "refused":
            self._count("refused")
            return _error(
                400, "The request was rejected by the content filter.", "invalid_request_error", "content_filter"
            )
        if fault == "slow":
            time.sleep(self.config.llm_slow_seconds)
        if self.config.llm_latency:
            time.sleep(self.config.llm_latency)
        content = _content(_listing(messages), fault)
        self._count("answers")
        answer = {
            "id": f"chatcmpl-{secrets.token_hex(12)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        }
        if fault != "no_usage":
            prompt_tokens = sum(len(m["content"]) for m in messages) // 4 + 4 * len(messages)
            completion_tokens = len(content) // 4 + 1
            answer["usage"] = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            }
        return json_response(200, answer)

    def _count(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1


def _field(text: str, label: str) -> str:
    for line in text.splitlines():
        if line.lower().startswith(label.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def _listing(messages: list[dict]) -> dict:
    """The copy for the conversation's first user message: the same message always gets the same copy."""
    first = next((m["content"] for m in messages if m["role"] == "user"), "")
    prompt = _field(first, "Design prompt") or first
    product = _field(first, "Product")
    product = "" if product.lower() in ("", "print-on-demand product") else product
    words = [w.lower() for w in _WORD.findall(prompt) if w.lower() not in STOPWORDS]
    words = list(dict.fromkeys(words)) or ["original", "artwork"]
    subject = " ".join(words[:6])
    title = subject.title()  # product-neutral, as the rules ask: each product adds its own words
    description = (
        f"An original {subject} design, printed on demand"
        + (f" on a {product}" if product else "")
        + ". Made to order and printed with care. A thoughtful gift for anyone who loves it."
    )
    tags = [w for w in words if len(w) <= 20][:10] + ["gift idea", "graphic print"]
    return {"title": title[:140].strip(), "description": description, "tags": tags[:13]}


def _content(listing: dict, fault: str | None) -> str:
    if fault == "not_json":
        return f"Sure! Here is a listing for you. Title: {listing['title']}. Tags: {', '.join(listing['tags'])}."
    if fault == "too_long":
        return json.dumps({**listing, "title": (listing["title"] + " ") * 12})
    if fault == "wrong_shape":
        return json.dumps({"name": listing["title"], "keywords": ", ".join(listing["tags"])})
    if fault == "fenced":
        return "```json\n" + json.dumps(listing, indent=2) + "\n```"
    return json.dumps(listing)
