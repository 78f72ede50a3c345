"""What Printify charges per variant: cached costs with their age and source (read by the template editor and
pricing, written by the worker that learns them, workers/costs.py).

The catalog's variants.json does not carry the cost (printify-api.md §2; merchandising.md: "may not — check"); a
product's variants do (§4). So costs are learned on a worker (workers/costs.py) from a product: one of ours of the
same blueprint and provider, an imported one, or a draft made and deleted for the purpose. Reading them here never
calls Printify; a missing or old figure is asked for by services/costs.request_costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from designs.models import VariantCost

FAILURE_KEY = "podsite:costs-failed:{}:{}"
FAILURE_SECONDS = 3600


@dataclass(frozen=True)
class Costs:
    by_variant: dict[int, VariantCost]
    learned_at: datetime | None  # the oldest figure's time
    source: str
    failure: str  # why the last lookup failed ("" when it did not)

    def cost(self, variant_id: int) -> int | None:
        found = self.by_variant.get(int(variant_id))
        return found.cost if found else None

    def shipping(self, variant_id: int) -> int | None:
        found = self.by_variant.get(int(variant_id))
        return found.shipping if found else None

    @property
    def stale(self) -> bool:
        return self.learned_at is None or timezone.now() - self.learned_at > max_age()


def age_text(moment: datetime | None) -> str:
    """How old a learned figure is, in words: "just now", "3 hours ago"; "" when there is none."""
    from django.utils.timesince import timesince

    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, timezone.now())} ago"


def max_age() -> timedelta:
    return timedelta(hours=settings.COST_MAX_AGE_HOURS)


def costs_for(blueprint_id: int, provider_id: int) -> Costs:
    rows = {
        row.variant_id: row
        for row in VariantCost.objects.filter(blueprint_id=blueprint_id, print_provider_id=provider_id)
    }
    learned = min((row.learned_at for row in rows.values()), default=None)
    sources = sorted({row.source for row in rows.values() if row.source})
    failure = cache.get(FAILURE_KEY.format(blueprint_id, provider_id)) or ""
    return Costs(by_variant=rows, learned_at=learned, source="; ".join(sources), failure=failure)


def save_costs(blueprint_id: int, provider_id: int, costs: dict[int, int], shipping: dict[int, int], source: str):
    """Record learned figures (cents per variant id); variants not in `costs` keep what they had."""
    now = timezone.now()
    with transaction.atomic():
        for variant_id in set(costs) | set(shipping):
            values = {"learned_at": now, "source": source if variant_id in costs else "shipping.json"}
            if variant_id in costs:
                values["cost"] = costs[variant_id]
            if variant_id in shipping:
                values["shipping"] = shipping[variant_id]
            VariantCost.objects.update_or_create(
                blueprint_id=blueprint_id, print_provider_id=provider_id, variant_id=variant_id, defaults=values
            )
    cache.delete(FAILURE_KEY.format(blueprint_id, provider_id))


def save_stock(blueprint_id: int, provider_id: int, in_stock: set[int]) -> int:
    """Mark which variants of the templates of this blueprint and provider are in stock now (the catalog changes;
    the editor shows a ticked variant gone out of stock). Returns how many templates changed."""
    from designs.models import ProductTemplate

    changed = 0
    for template in ProductTemplate.objects.filter(blueprint_id=blueprint_id, print_provider_id=provider_id):
        variants = [{**v, "available": int(v["id"]) in in_stock} for v in template.variants or []]
        if variants != template.variants:
            ProductTemplate.objects.filter(pk=template.pk).update(variants=variants)
            changed += 1
    return changed


def record_failure(blueprint_id: int, provider_id: int, reason: str) -> None:
    cache.set(FAILURE_KEY.format(blueprint_id, provider_id), reason, FAILURE_SECONDS)


def costs_from_product(product: dict) -> dict[int, int]:
    """{variant id: cost} from a Printify product answer (every variant of the matrix carries one: §4)."""
    return {
        int(v["id"]): int(v["cost"])
        for v in product.get("variants") or []
        if isinstance(v, dict) and isinstance(v.get("cost"), int) and not isinstance(v.get("cost"), bool)
    }


def first_item_shipping(answer: dict, country: str) -> dict[int, int]:
    """{variant id: first-item cost} to `country` from shipping.json (REST_OF_THE_WORLD when it is not listed)."""
    found: dict[int, int] = {}
    for wanted in (country, "REST_OF_THE_WORLD"):
        for profile in answer.get("profiles") or []:
            if wanted in (profile.get("countries") or []):
                cost = (profile.get("first_item") or {}).get("cost")
                for variant_id in profile.get("variant_ids") or []:
                    if isinstance(cost, int):
                        found.setdefault(int(variant_id), cost)
    return found
