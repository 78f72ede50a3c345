"""RunPod serverless client (submit / status / cancel / health), worker-comfyui output parsing, safe downloads.

Facts and their sources are in shared/reference/runpod-api.md. Nothing here knows about Design or settings.

Remote file names (worker-comfyui's "filename", the last part of an output URL) are HINTS ONLY: they come from a
machine we do not control. ImageRef.filename_hint is reduced to a harmless base name, and still nothing may use
it as a path; callers name stored files themselves.

One job, one file (past 500 lines on purpose): everything that crosses the wire to and from RunPod — the calls,
every documented output format, and the guarded download of s3_url outputs — so its safety rules sit together.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
import socket
import time
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import requests
import urllib3

from integrations.http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    BadResponse,
    IntegrationError,
    IntegrationTimeout,
    NotFound,
    Rejected,
    RetryPolicy,
    build_session,
    dumps,
    error_for_response,
    json_body,
    send,
    short_reason,
)

SERVICE = "RunPod"
TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"})
MAX_RUN_PAYLOAD_BYTES = 10 * 1024 * 1024  # POST /run refuses bigger bodies (runpod-api.md §1)
MAX_REDIRECTS = 3
DEFAULT_PORTS = {"http": 80, "https": 443}  # download_image takes these schemes only
IMAGE_KEYS = ("images", "image", "files")


class JobExpired(NotFound):
    """404 on /status or /cancel: the job's result expired (30 min after /run finished; TTL) or the id is unknown."""


class OutputError(IntegrationError):
    """The job says COMPLETED but its output holds no usable image; the message says why and names the image."""


class DownloadRefused(IntegrationError):
    """download_image refused a URL (scheme, address, redirects) or a body (type, size)."""


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
        delay_ms=_int_or_none(answer.get("delayTime")),
        execution_ms=_int_or_none(answer.get("executionTime")),
        worker_id=answer.get("workerId") if isinstance(answer.get("workerId"), str) else None,
    )


def _int_or_none(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


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


# --- Downloads -------------------------------------------------------------------------------------------------


def download_image(
    url: str,
    *,
    max_bytes: int,
    timeout: float = 30,
    allow_hosts=(),
    session: requests.Session | None = None,
) -> bytes:
    """The bytes of an output image at `url`, fetched with the SSRF guards this project needs.

    http(s) only; the host must resolve to public addresses only, unless allow_hosts names it (the sandbox is on
    loopback). An allow_hosts entry "host:port" allows that port only; a bare "host" allows only the URL
    scheme's default port (80 for http, 443 for https), so allowing the sandbox at 127.0.0.1:8765 does not open
    127.0.0.1:8000 (the web app) or :6379 (Redis). Redirects are followed by hand, at most 3, each target
    checked the same way; the body must say image/* and is cut off past max_bytes or past `timeout` seconds in
    total. No credentials are sent.
    Residual risk, accepted: the address is checked by resolving the name, and requests resolves it again to
    connect, so a DNS server that answers differently within milliseconds could still steer the connection.
    """
    allowed = {_allowed_address(entry) for entry in allow_hosts}
    session = session or build_session(pool_size=1)
    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        host = _check_url(current, allowed)
        remaining = max(0.1, deadline - time.monotonic())
        try:
            response = session.get(
                current,
                stream=True,
                allow_redirects=False,
                timeout=(min(5, remaining), remaining),
                headers={"Accept": "image/*", "Accept-Encoding": "identity"},
            )
        except requests.Timeout:
            raise IntegrationTimeout(f"The image host {host} did not answer in time", service=SERVICE) from None
        except requests.ConnectionError:
            raise IntegrationTimeout(f"Could not connect to the image host {host}", service=SERVICE) from None
        with response:
            if response.is_redirect:
                location = response.headers.get("Location", "")
                current = urljoin(current, location)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                raise error_for_response(response, service=SERVICE, what=f"the image at {host}")
            if response.status_code >= 400:
                # e.g. 403 from an expired presigned S3 URL (they last 7 days): not our credentials, not retryable.
                raise DownloadRefused(
                    f"The image host {host} answered HTTP {response.status_code}",
                    service=SERVICE,
                    status=response.status_code,
                )
            return _read_image_body(response, host, max_bytes, deadline)
    raise DownloadRefused(f"The image URL redirected more than {MAX_REDIRECTS} times; refused", service=SERVICE)


def _allowed_address(entry: str) -> tuple[str, int | None]:
    """("host", port) from an allow_hosts entry "host:port", "[v6]:port" or "host"; None stands for the URL
    scheme's default port."""
    malformed = ValueError(f"A download allow-list entry must be host or host:port, not {entry!r}")
    try:
        parts = urlsplit(f"//{entry.strip()}")
        port = parts.port
    except ValueError:
        raise malformed from None
    if not parts.hostname or parts.username or parts.path or parts.query or parts.fragment:
        raise malformed
    return parts.hostname.lower(), port


def _check_url(url: str, allowed: set[tuple[str, int | None]]) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DownloadRefused("The image URL is malformed; refused", service=SERVICE) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise DownloadRefused(
            f"Refusing to download a {scheme or 'scheme-less'} URL: only http and https are allowed", service=SERVICE
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise DownloadRefused("The image URL has no host; refused", service=SERVICE)
    port = DEFAULT_PORTS[scheme] if port is None else port
    if (host, port) in allowed or (port == DEFAULT_PORTS[scheme] and (host, None) in allowed):
        return host
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError):
        raise IntegrationTimeout(f"Could not look up the image host {host}", service=SERVICE) from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local:
            raise DownloadRefused(
                f"Refusing to download from {host}: it resolves to a non-public address ({ip}); "
                "add the host (with its port, if not the default one) to DOWNLOAD_ALLOW_HOSTS if this is intended",
                service=SERVICE,
            )
    return host


def _read_image_body(response: requests.Response, host: str, max_bytes: int, deadline: float) -> bytes:
    content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if not content_type.startswith("image/"):
        raise DownloadRefused(
            f"The file at {host} is not an image (Content-Type {content_type or 'missing'}); refused", service=SERVICE
        )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise DownloadRefused(f"The image at {host} is larger than {max_bytes} bytes; refused", service=SERVICE)
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        # We asked for identity; decompressing would let a tiny body expand past the cap between checks.
        raise DownloadRefused(f"The image at {host} came compressed ({encoding}); refused", service=SERVICE)
    chunks: list[bytes] = []
    size = 0
    try:
        # read1 returns whatever one socket read gives, so a body that drips slowly still meets the deadline
        # check (iter_content would block until a whole chunk arrived).
        while chunk := response.raw.read1(64 * 1024, decode_content=False):
            size += len(chunk)
            if size > max_bytes:
                raise DownloadRefused(
                    f"The image at {host} is larger than {max_bytes} bytes; download stopped", service=SERVICE
                )
            if time.monotonic() > deadline:
                raise IntegrationTimeout(f"Downloading the image from {host} took too long", service=SERVICE)
            chunks.append(chunk)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
        raise IntegrationTimeout(f"The download from {host} broke off", service=SERVICE) from None
    if not size:
        raise DownloadRefused(f"The image at {host} is empty", service=SERVICE)
    return b"".join(chunks)
