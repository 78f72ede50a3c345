"""RunPod serverless client (submit / status / cancel / health) and worker-comfyui output parsing.

Facts and their sources are in shared/reference/runpod-api.md. Nothing here knows about Design or settings.

Remote file names (worker-comfyui's "filename", the last part of an output URL) are HINTS ONLY: they come from a
machine we do not control. ImageRef.filename_hint is reduced to a harmless base name, and still nothing may use
it as a path; callers name stored files themselves.

An s3_url output is fetched by integrations/download.py (download_image, with its SSRF guards).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import requests

from integrations.http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    BadResponse,
    IntegrationError,
    NotFound,
    Rejected,
    RetryPolicy,
    build_session,
    dumps,
    int_or_none,
    json_body,
    send,
    short_reason,
)

SERVICE = "RunPod"
TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"})
MAX_RUN_PAYLOAD_BYTES = 10 * 1024 * 1024  # POST /run refuses bigger bodies (runpod-api.md §1)
IMAGE_KEYS = ("images", "image", "files")


class JobExpired(NotFound):
    """404 on /status or /cancel: the job's result expired (30 min after /run finished; TTL) or the id is unknown."""


class OutputError(IntegrationError):
    """The job says COMPLETED but its output holds no usable image; the message says why and names the image."""


@dataclass
class JobStatus:
    id: str
    status: str
    output: object = None
    error: object = None
    delay_ms: int | None = None
    execution_ms: int | None = None
    worker_id: str | None = None

    @property
    def is_terminal(self) -> bool:
        # Decide "done" from status alone: IN_PROGRESS may already carry progress output (runpod-api.md §2).
        return self.status in TERMINAL_STATUSES


@dataclass
class ImageRef:
    data: bytes | None  # inline image bytes (base64 decoded), or None when the image is at `url`
    url: str | None
    filename_hint: str  # a sanitised base name for logs and display; never a path (see module docstring)


@dataclass
class ParsedOutput:
    images: list[ImageRef]
    warnings: list[str]


class RunPodClient:
    def __init__(
        self,
        api_key: str,
        endpoint_id: str,
        base_url: str = "https://api.runpod.ai/v2",
        *,
        session: requests.Session | None = None,
        timeout=DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
    ):
        if not api_key or not endpoint_id:
            raise ValueError("RunPodClient needs an API key and an endpoint id")
        self._api_key = api_key
        self.endpoint_url = f"{base_url.rstrip('/')}/{quote(endpoint_id, safe='')}"
        self.session = session or build_session()
        self.timeout = timeout
        self.retry = retry

    def __repr__(self) -> str:
        return f"RunPodClient({self.endpoint_url!r})"

    def submit(self, input: dict, webhook: str | None = None, policy: dict | None = None) -> str:
        """POST /run; returns the job id. Never repeated: a second POST would queue (and bill) a second job."""
        payload: dict = {"input": input}
        if webhook:
            payload["webhook"] = webhook
        if policy:
            payload["policy"] = policy
        body = dumps(payload)
        if len(body) > MAX_RUN_PAYLOAD_BYTES:
            raise Rejected(
                f"The job input is {len(body) / 1e6:.1f} MB; RunPod accepts at most 10 MB on /run",
                service=SERVICE,
            )
        response = self._request("POST", "/run", what="the job", safe_to_repeat=False, data=body)
        answer = json_body(response, service=SERVICE, what="the submitted job", expect=dict)
        job_id = answer.get("id")
        if not isinstance(job_id, str) or not job_id:
            raise BadResponse("RunPod accepted the job but sent no job id", service=SERVICE)
        return job_id

    def status(self, job_id: str) -> JobStatus:
        response = self._job_request("GET", "status", job_id)
        return job_status_from_json(json_body(response, service=SERVICE, what="the job status", expect=dict), job_id)

    def cancel(self, job_id: str) -> None:
        """POST /cancel; safe to repeat (a cancelled job stays cancelled)."""
        self._job_request("POST", "cancel", job_id)

    def health(self) -> dict:
        response = self._request("GET", "/health", what="the endpoint health", safe_to_repeat=True)
        return json_body(response, service=SERVICE, what="the endpoint health", expect=dict)

    def _job_request(self, method: str, operation: str, job_id: str) -> requests.Response:
        if not isinstance(job_id, str) or not job_id:
            raise ValueError("job_id must be a non-empty string")
        try:
            return self._request(method, f"/{operation}/{quote(job_id, safe='')}", what="the job", safe_to_repeat=True)
        except NotFound:
            raise JobExpired(
                f"RunPod no longer knows job {short_reason(job_id)}: its result expired or the id is unknown",
                service=SERVICE,
                status=404,
            ) from None

    def _request(self, method: str, path: str, *, what: str, safe_to_repeat: bool, **kwargs) -> requests.Response:
        # Bearer as every SDK sends it (the docs' curl examples send the raw key). RunPod's error-body format is
        # undocumented, so errors branch on the status code only; a short {"error": …} reason is shown if present.
        headers = {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"}
        if "data" in kwargs:
            headers["Content-Type"] = "application/json"
        return send(
            self.session,
            method,
            self.endpoint_url + path,
            service=SERVICE,
            what=what,
            safe_to_repeat=safe_to_repeat,
            retry=self.retry,
            timeout=self.timeout,
            secrets=(self._api_key,),
            headers=headers,
            **kwargs,
        )


def job_status_from_json(answer: dict, job_id: str = "") -> JobStatus:
    """A JobStatus from a /status answer or a webhook body (the same JSON, runpod-api.md §3)."""
    status = answer.get("status")
    if not isinstance(status, str) or not status:
        raise BadResponse("RunPod sent a job status without a status field", service=SERVICE)
    return JobStatus(
        id=str(answer.get("id") or job_id),
        status=status.upper(),
        output=answer.get("output"),
        error=answer.get("error"),
        delay_ms=int_or_none(answer.get("delayTime")),
        execution_ms=int_or_none(answer.get("executionTime")),
        worker_id=answer.get("workerId") if isinstance(answer.get("workerId"), str) else None,
    )


# --- Output parsing --------------------------------------------------------------------------------------------


def parse_output(output) -> ParsedOutput:
    """Every image of a COMPLETED job's output, for every worker-comfyui format (runpod-api.md §4).

    Raises OutputError when there is no usable image: legacy {"status":"error"} (an error although the job is
    COMPLETED), success_no_images, no output at all (result too large to return), invalid base64.
    """
    warnings: list[str] = []
    if output is None or output == "" or output == {} or output == []:
        raise OutputError(
            "RunPod reported the job COMPLETED but returned no output. This happens when the result was too "
            "large to send back (use S3 output for large or batched images).",
            service=SERVICE,
        )
    if isinstance(output, dict):
        _raise_for_output_error(output)
        warnings = [short_reason(_text(item)) for item in output.get("errors") or [] if _text(item)]
        if output.get("status") == "success_no_images":
            raise OutputError(
                "The workflow finished without saving any image (success_no_images); "
                "check that it ends in a SaveImage node.",
                service=SERVICE,
            )
    raw_items = _find_image_items(output, depth=0)
    if not raw_items:
        hint = f" Worker warnings: {'; '.join(warnings)}" if warnings else ""
        raise OutputError(f"RunPod reported the job COMPLETED but its output contains no image.{hint}", service=SERVICE)
    images = [_image_ref(item, number) for number, item in enumerate(raw_items, start=1)]
    return ParsedOutput(images=images, warnings=warnings)


def _raise_for_output_error(output: dict) -> None:
    # worker-comfyui < 5 reported handler failures as COMPLETED with {"status":"error","message":…} (#38).
    if output.get("status") == "error":
        message = _text(output.get("message")) or "no message"
        details = output.get("details")
        extra = (
            f" ({short_reason('; '.join(_text(d) for d in details))})" if isinstance(details, list) and details else ""
        )
        raise OutputError(
            f"The worker reported an error although the job is COMPLETED: {short_reason(message)}{extra}",
            service=SERVICE,
        )
    # e.g. {"error": "Max retries reached while waiting for image generation"} from old workers.
    if isinstance(output.get("error"), str) and not any(key in output for key in (*IMAGE_KEYS, "message")):
        raise OutputError(f"The worker reported an error: {short_reason(output['error'])}", service=SERVICE)


def _find_image_items(value, depth: int) -> list:
    """The raw image entries (strings or dicts) wherever the known formats put them."""
    if depth > 4:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        items: list = []
        for element in value:
            items.extend([element] if _looks_like_image_entry(element) else _find_image_items(element, depth + 1))
        return items
    if not isinstance(value, dict):
        return []
    if _looks_like_image_entry(value):
        return [value]
    for key in IMAGE_KEYS:
        if value.get(key):
            return _find_image_items(value[key], depth + 1)
    message = value.get("message")
    if value.get("status") == "success" and isinstance(message, str):
        return [message]  # legacy < 5.0: the last image, as base64 or a URL
    if isinstance(message, dict):
        return _find_image_items(message, depth + 1)
    if isinstance(value.get("output"), (dict, list)):
        return _find_image_items(value["output"], depth + 1)
    # Dicts keyed by node id, e.g. {"9": [{…}]}, hold image lists one level down.
    items = []
    for key, element in value.items():
        if key not in _NOT_IMAGE_KEYS and isinstance(element, (list, dict)):
            items.extend(_find_image_items(element, depth + 1))
    return items


_NOT_IMAGE_KEYS = frozenset({"errors", "details", "error", "status", "message", "input"})
_PAYLOAD_KEYS = ("data", "url", "image_url", "s3_url", "base64", "image", "b64_json")


def _looks_like_image_entry(value) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, dict) and any(isinstance(value.get(key), str) for key in _PAYLOAD_KEYS)


def _image_ref(item, number: int) -> ImageRef:
    if isinstance(item, str):
        name, payload, kind = "", item, None
    elif isinstance(item, dict):
        name = next((item[k] for k in ("filename", "name", "file_name") if isinstance(item.get(k), str)), "")
        kind = item.get("type")
        payload = next((item[k] for k in _PAYLOAD_KEYS if isinstance(item.get(k), str)), None)
    else:
        raise OutputError(f"Image {number} in the output is a {type(item).__name__}, not an image.", service=SERVICE)
    label = f"Image {number}" + (f" ({short_reason(name)[:80]!r})" if name else "")
    if not payload or not payload.strip():
        raise OutputError(f"{label} in the output has no data.", service=SERVICE)
    payload = payload.strip()
    if kind == "s3_url" or (kind != "base64" and re.match(r"https?://", payload, re.IGNORECASE)):
        if not re.match(r"https?://", payload, re.IGNORECASE):
            raise OutputError(f"{label} should be an S3 URL but is not an http(s) URL.", service=SERVICE)
        hint = sanitize_filename_hint(name or urlsplit(payload).path.rsplit("/", 1)[-1], number)
        return ImageRef(data=None, url=payload, filename_hint=hint)
    return ImageRef(data=_decode_base64(payload, label), url=None, filename_hint=sanitize_filename_hint(name, number))


def _decode_base64(text: str, label: str) -> bytes:
    if text[:5].lower() == "data:":
        header, sep, text = text.partition(",")
        if not sep or ";base64" not in header.lower():
            raise OutputError(f"{label} is a data URI that is not base64-encoded.", service=SERVICE)
    text = "".join(text.split())
    if "-" in text or "_" in text:
        text = text.replace("-", "+").replace("_", "/")  # tolerate the URL-safe alphabet
    text += "=" * (-len(text) % 4)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise OutputError(f"{label} is not valid base64, so it cannot be decoded.", service=SERVICE) from None
    if not data:
        raise OutputError(f"{label} decodes to no bytes.", service=SERVICE)
    return data


def sanitize_filename_hint(name: str, number: int) -> str:
    """A base name safe to show: no directories, only [A-Za-z0-9._-], no leading dot. Still never a path."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")[:100]
    return base or f"image_{number}"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# --- Failures in words -----------------------------------------------------------------------------------------


def describe_failure(job: JobStatus) -> str:
    """What went wrong with a job, in plain words for a design's last_error."""
    if job.status == "TIMED_OUT":
        return (
            "RunPod timed the job out: it waited in the queue too long, or ran past its execution timeout "
            "(raise policy.executionTimeout for long workflows)."
        )
    if job.status == "CANCELLED":
        return "The RunPod job was cancelled."
    if job.status == "FAILED":
        reason = _failure_reason(job.error)
        details = job.output.get("details") if isinstance(job.output, dict) else None
        if isinstance(details, list) and details:
            reason += f" Details: {'; '.join(_text(d) for d in details)}"
        return short_reason(f"The RunPod job failed: {reason}")
    if job.status == "COMPLETED":
        try:
            parse_output(job.output)
        except OutputError as exc:
            return str(exc)
        return "The RunPod job completed."
    return f"The RunPod job is {job.status}."


def _failure_reason(error) -> str:
    if isinstance(error, str):
        try:
            decoded = json.loads(error)
        except ValueError:
            decoded = None
        error = decoded if isinstance(decoded, dict) else error
    if isinstance(error, dict):
        # runpod-python turns an exception in the handler into a JSON string with these keys (runpod-api.md §2).
        kind = _text(error.get("error_type"))
        message = _text(error.get("error_message") or error.get("error") or error.get("message"))
        if kind or message:
            kind = kind.removeprefix("<class '").removesuffix("'>")
            return f"{kind}: {message}" if kind and message else kind or message
        return _text(error)
    return _text(error) or "no reason given."
