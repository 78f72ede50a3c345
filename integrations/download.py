"""Downloading an output image from a URL a remote machine gave us, with the SSRF and size guards this project needs.

A job's output may name an s3_url (runpod-api.md §4): the URL comes from a machine we do not control, so it could
point at this host's own services or the cloud's metadata address. download_image() refuses those, follows
redirects by hand (each target checked), and stops a body that is too large or too slow.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from integrations.http import IntegrationError, IntegrationTimeout, build_session, error_for_response

SERVICE = "RunPod"  # the only URLs downloaded are RunPod job outputs; errors are reported as RunPod's
MAX_REDIRECTS = 3
DEFAULT_PORTS = {"http": 80, "https": 443}  # download_image takes these schemes only


class DownloadRefused(IntegrationError):
    """download_image refused a URL (scheme, address, redirects) or a body (type, size)."""


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
