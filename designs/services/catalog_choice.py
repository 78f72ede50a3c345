"""The first two steps of "fill from catalog": finding a blueprint by words (with its pictures, brand and model),
and Printify's providers of it side by side, read from the catalog (GETs only: both run when a page opens) and the
cached costs; the comparison's rules are designs/provider_choice.py's. And the one POST that asks for the costs of
every provider at once.

Catalog reads per comparison: the blueprint, its providers, the list of every provider (their locations), and per
provider its in-stock variants and the v2 standard and economy shipping: 3 + 3 × providers, each cached for the
catalog's hour and each taking a slot of the catalog's 100 a minute. A refusal for the rate (Printify's 429, or no
slot within the limiter's wait) stops the reading: the providers not read yet say so instead of each waiting.

Costs are never read from Printify here: the catalog has none. They are learned on a worker from a product (ours,
or a draft made and deleted at once: workers/costs.py) and cached with their age (variant_costs.py); the page's
button asks for them (request_all_costs), at most COST_LOOKUPS_AT_ONCE providers per press.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings

from designs import variant_costs
from designs.provider_choice import (
    SHIPPING_METHODS_COMPARED,
    Comparison,
    Cost,
    Provider,
    Shipping,
    catalog_facts,
    common_size,
    location_text,
    mark,
    shipping_to,
)
from designs.services import costs as cost_service
from designs.shops import default_shop
from integrations.http import IntegrationError, NotFound, RateLimited

BLUEPRINTS_SHOWN = 300
PICTURES_SHOWN = 4

# One press of "Look up the costs of every provider" may make this many draft products (one per provider whose
# costs are missing or old); the rest wait for the next press.
COST_LOOKUPS_AT_ONCE = 6
COUNTRY_CODE = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class Blueprint:
    id: int
    title: str
    brand: str
    model: str
    pictures: tuple[str, ...]  # Printify's CDN URLs (the sandbox's own), shown with <img>, never fetched here
    description: str = ""


@dataclass
class BlueprintSearch:
    query: str
    found: int  # how many match (more than shown when above BLUEPRINTS_SHOWN)
    blueprints: list[Blueprint]


def matches(blueprint: dict, words: list[str]) -> bool:
    """Every word is in the title, the brand or the model (any case)."""
    text = " ".join(str(blueprint.get(key) or "") for key in ("title", "brand", "model")).lower()
    return all(word in text for word in words)


def blueprint_of(answer: dict) -> Blueprint:
    """A catalog blueprint as the pages show it: pictures only as http(s) URLs, at most PICTURES_SHOWN."""
    pictures = [
        str(url)
        for url in answer.get("images") or []
        if isinstance(url, str) and url.lower().startswith(("https://", "http://"))
    ]
    return Blueprint(
        id=int(answer["id"]),
        title=str(answer.get("title") or f"Blueprint {answer['id']}"),
        brand=str(answer.get("brand") or ""),
        model=str(answer.get("model") or ""),
        pictures=tuple(pictures[:PICTURES_SHOWN]),
        description=str(answer.get("description") or ""),
    )


def find_blueprints(query: str) -> BlueprintSearch:
    """The catalog's blueprints whose title, brand or model hold every word of `query` (the first
    BLUEPRINTS_SHOWN). Raises IntegrationError when the catalog cannot be read."""
    from designs.clients import printify_client

    query = query.strip()[:100]
    words = query.lower().split()
    found = [b for b in printify_client().blueprints() if isinstance(b, dict) and "id" in b and matches(b, words)]
    return BlueprintSearch(query, len(found), [blueprint_of(b) for b in found[:BLUEPRINTS_SHOWN]])


def shop_country(shop=None) -> str:
    """Where the shop's orders mostly go: the country of the shop the template is made for (the default shop while
    one is being created), else the US."""
    shop = shop if shop is not None else default_shop()
    code = str(getattr(shop, "country", "") or "").upper()
    return code if COUNTRY_CODE.fullmatch(code) else "US"


def country_or_default(text, shop=None) -> str:
    """A two-letter country code as typed (any case), or the shop's country."""
    code = str(text or "").strip().upper()
    return code if COUNTRY_CODE.fullmatch(code) else shop_country(shop)


def chosen_shop(shop_id: int | None):
    """The shop a template is being made for: the one named, else the default shop (None when none is known)."""
    from designs.shops import Shop

    found = Shop.objects.filter(pk=shop_id).first() if shop_id else None
    return found or default_shop()


def shops_to_choose() -> list:
    """The shops a template can be made for (connected ones), default first."""
    from designs.shops import SalesChannel, Shop

    return list(Shop.objects.filter(disconnected_at__isnull=True).exclude(channel=SalesChannel.DISCONNECTED))


def provider_step(blueprint_id: int, *, shop_id: int | None = None, country: str | None = None) -> Comparison:
    """The provider step's page: the comparison to the country asked for, else to the shop's main country."""
    shop = chosen_shop(shop_id)
    comparison = compare_providers(blueprint_id, country=country_or_default(country, shop))
    comparison.shop = shop
    comparison.shops = shops_to_choose()
    return comparison


def compare_providers(blueprint_id: int, *, country: str) -> Comparison:
    """Every provider of the blueprint with its location, print areas, colours, sizes, base cost of the common size
    and shipping to `country`. Raises IntegrationError (NotFound: no such blueprint) when the provider list itself
    cannot be read; a provider whose details cannot be read carries the reason instead."""
    from designs.clients import printify_client

    client = printify_client()
    heading = blueprint_of(client.blueprint(blueprint_id))
    offered = [entry for entry in client.print_providers(blueprint_id) if isinstance(entry, dict) and "id" in entry]
    try:
        everywhere = {int(p["id"]): p for p in client.all_print_providers() if isinstance(p, dict) and "id" in p}
        located = True
    except RateLimited:
        raise
    except IntegrationError:
        everywhere, located = {}, False
    providers: list[Provider] = []
    rates: dict[int, dict[str, tuple[list | None, str]]] = {}
    stopped = ""
    for entry in offered:
        provider_id = int(entry["id"])
        location, code = location_text((everywhere.get(provider_id) or {}).get("location"))
        provider = Provider(
            id=provider_id,
            title=str(entry.get("title") or f"Provider {provider_id}"),
            location=location if located else "location not read",
            country=code,
        )
        providers.append(provider)
        if stopped:
            provider.problem = stopped
            continue
        try:
            catalog_facts(provider, client.variants(blueprint_id, provider_id).get("variants") or [])
            rates[provider_id] = _rates(client, blueprint_id, provider_id)
        except RateLimited as error:
            stopped = f"Not read: {error} Reload the page in a minute."
            provider.problem = stopped
        except IntegrationError as error:
            provider.problem = f"Could not read its variants: {error}"
    size = common_size([provider for provider in providers if not provider.problem])
    for provider in providers:
        if provider.problem:
            continue
        provider.cost = _cost(blueprint_id, provider, size)
        ids = provider.variant_ids_by_size.get(size, set())
        for method, (found, problem) in rates[provider.id].items():
            provider.shipping[method] = (
                Shipping(method, problem=problem) if problem else shipping_to(method, found, country, ids)
            )
    comparison = Comparison(blueprint_id=blueprint_id, country=country, size=size, providers=providers)
    comparison.blueprint = heading
    return mark(comparison)


def _rates(client, blueprint_id: int, provider_id: int) -> dict[str, tuple[list | None, str]]:
    """{method: (rates, "")}; rates None when the provider does not ship by it; ([], reason) when unreadable."""
    found = {}
    for method in SHIPPING_METHODS_COMPARED:
        try:
            found[method] = (client.shipping_rates(blueprint_id, provider_id, method), "")
        except NotFound:
            found[method] = (None, "")  # the provider does not ship by this method (see PrintifyClient.shipping_rates)
        except RateLimited:
            raise
        except IntegrationError as error:
            found[method] = ([], f"Could not read: {error}")
    return found


def _cost(blueprint_id: int, provider: Provider, size: str) -> Cost:
    costs = variant_costs.costs_for(blueprint_id, provider.id)
    currency = settings.PRINTIFY_BILLING_CURRENCY
    learned = variant_costs.age_text(costs.learned_at)
    ids = provider.variant_ids_by_size.get(size)
    if not ids:
        return Cost(missing=f"no {size}" if size else "no variants in stock")
    known = [cents for cents in (costs.cost(variant_id) for variant_id in ids) if cents is not None]
    if known:
        return Cost(min(known), max(known), currency, learned, costs.stale)
    if costs.failure:
        return Cost(missing=f"not known: {costs.failure}")
    return Cost(missing="not known yet")


@dataclass
class CostRequest:
    asked: list[str] = field(default_factory=list)  # the providers whose costs are being looked up
    fresh: int = 0  # providers whose costs are known and recent: not asked again
    later: int = 0  # providers left for the next press (the cap)

    def summary(self) -> str:
        parts = []
        if self.asked:
            parts.append(
                f"Printify's costs are being looked up for {', '.join(self.asked)} (a draft product each, deleted at "
                "once); reload this page in a minute."
            )
        if self.later:
            parts.append(
                f"{self.later} more provider{'s' if self.later != 1 else ''} after these: press the button again "
                f"once they are in (at most {COST_LOOKUPS_AT_ONCE} at a time)."
            )
        if self.fresh and not self.asked:
            parts.append("Every provider's costs are known and recent: nothing to look up.")
        return " ".join(parts) or "Printify lists no provider for this blueprint."


def request_all_costs(blueprint_id: int) -> CostRequest:
    """Ask workers for the costs of the blueprint's providers whose costs are missing or old, at most
    COST_LOOKUPS_AT_ONCE of them (each may make and delete a draft product). Raises IntegrationError when the
    provider list cannot be read."""
    from designs.clients import printify_client

    offered = [entry for entry in printify_client().print_providers(blueprint_id) if isinstance(entry, dict)]
    result = CostRequest()
    waiting = []
    for entry in offered:
        if variant_costs.costs_for(blueprint_id, int(entry["id"])).stale:
            waiting.append(entry)
        else:
            result.fresh += 1
    for entry in waiting[:COST_LOOKUPS_AT_ONCE]:
        cost_service.request_costs(blueprint_id, int(entry["id"]))
        result.asked.append(str(entry.get("title") or f"provider {entry['id']}"))
    result.later = max(0, len(waiting) - COST_LOOKUPS_AT_ONCE)
    return result
