"""Build the integration clients from Django settings: the only place that connects settings to integrations/.

The clients share one pooled HTTP session per process (created after any fork, keyed by pid), and the Printify
client gets the shared rate limiter (Redis when REDIS_URL is set, else the database) and a catalog cache that
is the Django cache: Redis at scale, so every worker reuses the catalog one of them fetched.
"""

from __future__ import annotations

import os

import requests
from django.conf import settings
from django.core.cache import cache

from designs.shops import default_shop, printify_shop_id
from integrations.http import IntegrationError, build_session
from integrations.llm import ChatClient
from integrations.printify import PrintifyClient, PrintifyLimits
from integrations.ratelimit import SharedRateLimiter
from integrations.runpod import RunPodClient

_sessions: dict[int, requests.Session] = {}


class NotConfigured(IntegrationError):
    """A key or id the client needs is not set; the message names the setting."""


def http_session() -> requests.Session:
    pid = os.getpid()
    if pid not in _sessions:
        _sessions.clear()  # a forked child must not reuse its parent's pooled sockets
        _sessions[pid] = build_session(pool_size=20)
    return _sessions[pid]


def _require(service: str, *names: str) -> None:
    missing = [name for name in names if not getattr(settings, name)]
    if missing:
        raise NotConfigured(
            f"{service} is not configured: set {' and '.join(missing)} (or POD_SANDBOX=1 to use the local sandbox)",
            service=service,
        )


def runpod_client() -> RunPodClient:
    _require("RunPod", "RUNPOD_API_KEY", "RUNPOD_ENDPOINT_ID")
    return _runpod(settings.RUNPOD_ENDPOINT_ID)


def runpod_print_client() -> RunPodClient | None:
    """The client for print preparation jobs: None when they run on the generation endpoint (sharing its cap)."""
    endpoint = settings.RUNPOD_PRINT_ENDPOINT_ID
    if not endpoint or endpoint == settings.RUNPOD_ENDPOINT_ID:
        return None
    _require("RunPod", "RUNPOD_API_KEY")
    return _runpod(endpoint)


def _runpod(endpoint: str) -> RunPodClient:
    return RunPodClient(settings.RUNPOD_API_KEY, endpoint, settings.RUNPOD_API_BASE, session=http_session())


def printify_limits() -> PrintifyLimits:
    return PrintifyLimits(
        per_minute=settings.PRINTIFY_RATE_PER_MINUTE,
        catalog_per_minute=settings.PRINTIFY_CATALOG_RATE_PER_MINUTE,
        publish_limit=settings.PRINTIFY_PUBLISH_LIMIT,
        publish_window_seconds=settings.PRINTIFY_PUBLISH_WINDOW_SECONDS,
    )


def shared_rate_limiter() -> SharedRateLimiter:
    return SharedRateLimiter(settings.REDIS_URL or None, service="Printify")


def printify_client(shop_id: str | None = None) -> PrintifyClient:
    """A client for one shop: the given Printify shop id, else the default shop's (designs/shops.py)."""
    _require("Printify", "PRINTIFY_API_TOKEN")
    if not shop_id:
        shop = default_shop()
        if shop is None:
            raise NotConfigured(
                "Printify is not set up: no shop is known. Press “Refresh shops” on the Shops page "
                "(or run `manage.py refresh_shops`), or set PRINTIFY_SHOP_ID.",
                service="Printify",
            )
        shop_id = shop.printify_id
    return _printify(shop_id)


def account_client() -> PrintifyClient:
    """A client for the account's calls (its shop list, the catalog, uploads): no shop needed."""
    _require("Printify", "PRINTIFY_API_TOKEN")
    return _printify("")


def _printify(shop_id: str) -> PrintifyClient:
    return PrintifyClient(
        settings.PRINTIFY_API_TOKEN,
        shop_id,
        settings.PRINTIFY_API_BASE,
        limiter=shared_rate_limiter(),
        session=http_session(),
        limits=printify_limits(),
        cache=cache,
    )


def product_client(product) -> PrintifyClient:
    """A client for the shop the product lives in."""
    return printify_client(printify_shop_id(product))


def llm_configured() -> bool:
    """LLM copy is optional: on only when a server and a model are set (the sandbox sets both)."""
    return bool(settings.LLM_API_BASE and settings.LLM_MODEL)


def llm_client() -> ChatClient:
    _require("The LLM", "LLM_API_BASE", "LLM_MODEL")
    return ChatClient(
        settings.LLM_API_BASE,
        settings.LLM_MODEL,
        settings.LLM_API_KEY,
        session=http_session(),
        timeout=settings.LLM_TIMEOUT,
        json_mode=settings.LLM_JSON_MODE,
    )


def download_allow_hosts() -> tuple[str, ...]:
    return tuple(host.lower() for host in settings.DOWNLOAD_ALLOW_HOSTS)
