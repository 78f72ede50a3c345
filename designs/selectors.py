"""Every read the admin, the review page, the commands and the dashboard make (writes live in services/).

Past 400 lines as one module on purpose: it is the read side's one address (the boundaries test checks that edges
read through it); each function is a short, independent query, so splitting it would only scatter them.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from designs.models import CopyStatus, Design, DesignEvent, Product, RepriceJob
from designs.print_status import PrintStatus
from designs.products import restartable
from designs.task_states import RepriceState
from designs.workflow import DECIDED, FAILED, IN_FLIGHT, PUBLISHABLE, Source, Status

# How far back U (undo) reaches: a working session, not last week's decisions.
UNDO_WINDOW = timedelta(hours=12)


def review_queue(*, batch_id: int | None = None, status: str = Status.REVIEW) -> QuerySet[Design]:
    """Designs waiting for a decision (in review, or with mockups to review), oldest first (siblings of one job
    stay together)."""
    designs = Design.objects.filter(status=status).select_related("batch").order_by("created_at", "pk")
    if batch_id is not None:
        designs = designs.filter(batch_id=batch_id)
    return designs


def mockups_waiting(designs: QuerySet[Design] | None = None, *, shop_id: int | None = None) -> QuerySet[Product]:
    """Products waiting on Printify for a person to look at their mockups (the review page's mockup mode); all,
    or those of these designs, or of one shop."""
    from designs.products import ProductState

    products = Product.objects.filter(state=ProductState.MOCKUP_REVIEW)
    if shop_id is not None:
        products = products.filter(shop_id=shop_id)
    return products if designs is None else products.filter(design__in=designs.values("pk"))


def mockups_to_review(product_ids) -> list[Product]:
    """These products, those still waiting for their mockup review, in the order given; with their designs, in one
    query."""
    order = {product_id: index for index, product_id in enumerate(product_ids)}
    products = mockups_waiting().select_related("design", "shop").filter(pk__in=order)
    return sorted(products, key=lambda product: order[product.pk])


def batches_in_review() -> list[dict]:
    """[{"batch_id", "batch__name", "waiting"}] for the review page's batch filter, in one query."""
    return list(
        Design.objects.filter(status=Status.REVIEW, batch__isnull=False)
        .values("batch_id", "batch__name")
        .annotate(waiting=Count("pk"))
        .order_by("batch__name", "batch_id")
    )


def status_counts(designs: QuerySet[Design] | None = None) -> dict[str, int]:
    """Designs per status (every status present, zero when none), in one aggregated query; all designs or these."""
    counts = dict.fromkeys(Status.values, 0)
    rows = (Design.objects.all() if designs is None else designs).order_by().values_list("status")
    counts.update(rows.annotate(n=Count("pk")).values_list("status", "n"))
    return counts


def progress(designs: QuerySet[Design]) -> dict:
    """Counts per status and cost so far for these designs, in one aggregate query (batch page, --wait)."""
    counts = dict.fromkeys(Status.values, 0)
    total_cost = Decimal(0)
    for row in designs.order_by().values("status").annotate(n=Count("pk"), cost=Sum("cost")):
        counts[row["status"]] = row["n"]
        total_cost += row["cost"] or 0
    return {"counts": counts, "total": sum(counts.values()), "cost": total_cost}


def copy_progress(designs: QuerySet[Design]) -> dict:
    """Counts per listing-copy status, tokens and LLM cost of these designs in one query (for --wait)."""
    counts = dict.fromkeys(CopyStatus.values, 0)
    rows = (
        designs.order_by()
        .values("copy_status")
        .annotate(n=Count("pk"), cost=Sum("copy_cost"), tokens=Sum("copy_tokens"))
    )
    total_cost, tokens = Decimal(0), 0
    for row in rows:
        counts[row["copy_status"]] = row["n"]
        total_cost += row["cost"] or 0
        tokens += row["tokens"] or 0
    return {"counts": counts, "total": sum(counts.values()), "cost": total_cost, "tokens": tokens}


def copy_failures(designs: QuerySet[Design]) -> list[tuple[int, str, str]]:
    """(design id, prompt, why) of the designs whose listing copy failed."""
    failed = designs.filter(copy_status=CopyStatus.FAILED).order_by("pk")
    return list(failed.values_list("pk", "prompt", "copy_note"))


def print_progress(designs: QuerySet[Design]) -> dict:
    """Counts per print status and the print jobs' cost so far for these designs, in one query (--wait)."""
    from django.conf import settings

    counts = dict.fromkeys(PrintStatus.values, 0)
    total_ms = 0
    for row in designs.order_by().values("print_status").annotate(n=Count("pk"), ms=Sum("print_execution_ms")):
        counts[row["print_status"]] = row["n"]
        total_ms += row["ms"] or 0
    cost = Decimal(total_ms) / 1000 * Decimal(str(settings.RUNPOD_COST_PER_SECOND))
    return {"counts": counts, "total": sum(counts.values()), "cost": cost}


def print_failures(designs: QuerySet[Design]) -> list[tuple[int, str, str]]:
    """(design id, prompt or title, print_error) of the designs whose print file failed."""
    failed = designs.filter(print_status=PrintStatus.FAILED).order_by("pk")
    return [
        (pk, prompt or title, error)
        for pk, prompt, title, error in failed.values_list("pk", "prompt", "title", "print_error")
    ]


def batch_designs(batch_ids) -> QuerySet[Design]:
    return Design.objects.filter(batch_id__in=batch_ids)


def failures(designs: QuerySet[Design]) -> list[tuple[int, str, str]]:
    """(design id, prompt or title, last_error) of the failed ones among these designs."""
    failed = designs.filter(status__in=FAILED).order_by("pk")
    return [
        (pk, prompt or title, error)
        for pk, prompt, title, error in failed.values_list("pk", "prompt", "title", "last_error")
    ]


def publishable(*, batch_name: str | None = None) -> QuerySet[Design]:
    """Approved designs (optionally of the batches with this name): what "publish all approved" means."""
    designs = Design.objects.filter(status=Status.APPROVED)
    if batch_name:
        designs = designs.filter(batch__name=batch_name)
    return designs


def designs_with_products(designs: QuerySet[Design]) -> QuerySet[Design]:
    """Those of `designs` that have a Printify product (published or not): deleting them needs a decision."""
    return designs.filter(Exists(Product.objects.filter(design_id=OuterRef("pk")).exclude(printify_id="")))


def with_printify_ids(designs) -> list[Design]:
    """The designs, each with `printify_ids`: the ids of its products in Printify (for the delete question)."""
    designs = list(designs)
    ids: dict[int, list[str]] = {}
    rows = Product.objects.filter(design__in=[d.pk for d in designs]).exclude(printify_id="").order_by("pk")
    for design_id, printify_id in rows.values_list("design_id", "printify_id"):
        ids.setdefault(design_id, []).append(printify_id)
    for design in designs:
        design.printify_ids = ids.get(design.pk, [])
    return designs


def publish_plan(designs: QuerySet[Design], templates) -> dict:
    """What publishing these designs with these templates would do, counted in a few queries: designs that get
    work, products made or started again, designs skipped (not publishable, or every product there already)."""
    publishable = designs.filter(status__in=PUBLISHABLE)
    count = publishable.count()
    templates = list(templates)
    if not templates:
        return {"designs": 0, "products": 0, "skipped": designs.count()}
    settled = Q()
    for template in templates:  # a product of this template that publishing would leave alone
        settled |= Q(template=template) & ~Q(state__in=restartable(template))
    done = Product.objects.filter(settled, design__in=publishable)
    finished_designs = done.order_by().values("design_id").annotate(n=Count("pk")).filter(n=len(templates)).count()
    with_work = count - finished_designs
    return {
        "designs": with_work,
        "products": count * len(templates) - done.count(),
        "skipped": designs.count() - with_work,
    }


def jobs_in_flight(counts: dict[str, int]) -> int:
    """Designs a worker currently owns (queued, generating, publishing)."""
    return sum(counts.get(status, 0) for status in IN_FLIGHT)


def latest_failures(limit: int = 8) -> list[Design]:
    return list(
        Design.objects.filter(status__in=FAILED)
        .only("pk", "title", "prompt", "status", "status_changed_at", "last_error")
        .order_by("-status_changed_at", "-pk")[:limit]
    )


def start_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def decided_today(actor) -> int:
    """Designs this person approved or rejected today and has not taken back (undo or reopen) since.

    Approve, undo, reject of one design counts once; approve then undo counts zero.
    """
    taken_back = DesignEvent.objects.filter(
        design_id=OuterRef("design_id"), actor=actor, to_status=Status.REVIEW, pk__gt=OuterRef("pk")
    )
    return (
        DesignEvent.objects.filter(actor=actor, to_status__in=DECIDED, created_at__gte=start_of_today())
        .filter(~Exists(taken_back))
        .values("design_id")
        .distinct()
        .count()
    )


def last_standing_decision(actor) -> DesignEvent | None:
    """This person's latest review-page decision that nothing has superseded yet: what U (undo) takes back.

    A decision is superseded once any later event exists for its design (an undo, someone else's reopen,
    publishing...). Undoing repeatedly therefore walks back through the reviewer's decisions, newest first.
    """
    later = DesignEvent.objects.filter(design_id=OuterRef("design_id"), pk__gt=OuterRef("pk"))
    return (
        DesignEvent.objects.filter(
            actor=actor,
            source=Source.REVIEW,
            to_status__in=DECIDED,
            created_at__gte=timezone.now() - UNDO_WINDOW,
        )
        .filter(~Exists(later))
        .order_by("-created_at", "-pk")
        .first()
    )


# --- review at team scale: cards, variations, near-duplicates, group decisions --------------------------------

# Which near-duplicate a card warns about first: one that is (going to be) for sale, then one waiting, then any.
_DUPLICATE_RANK = {
    Status.PUBLISHED: 0,
    Status.PUBLISHING: 0,
    Status.MOCKUPS: 0,
    Status.PUBLISH_FAILED: 0,
    Status.APPROVED: 0,
    Status.REVIEW: 1,
}


def live_product_of(design_ref: str = "pk") -> Exists:
    """Does the design at `design_ref` (an OuterRef path) have a product live in the store? A design partly live
    (its tee live, its mug waiting for its mockup review) has its status summarised as not published, but it sells."""
    from designs.products import ProductState

    return Exists(Product.objects.filter(design_id=OuterRef(design_ref), state=ProductState.LIVE))


def published_q() -> Q:
    """Designs for sale: published, or with any product live (what filters and hints call published)."""
    return Q(status=Status.PUBLISHED) | Q(live_product_of())


def designs_in_order(ids: list[int]) -> list[Design]:
    """These designs (with batch), in the order of `ids`; missing ones left out. One query."""
    found = Design.objects.select_related("batch").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def closest_duplicates(ids: list[int]) -> dict[int, tuple[Design, int]]:
    """design id -> (the near-duplicate to warn about, distance in bits), for those of `ids` that have one.

    Look-alikes with a live product come first, then published or approved ones (the listing would be a duplicate),
    then ones in review. One query; the look-alike carries `.live`.
    """
    from designs.models import NearDuplicate

    best: dict[int, tuple] = {}
    pairs = (
        NearDuplicate.objects.filter(design_id__in=ids)
        .select_related("other")
        .only("design_id", "distance", "other__id", "other__status", "other__thumbnail", "other__title")
        .annotate(other_live=live_product_of("other_id"))
    )
    for pair in pairs:
        pair.other.live = pair.other_live  # a partly live look-alike is for sale: warned about first, as published
        rank = (-1 if pair.other_live else _DUPLICATE_RANK.get(pair.other.status, 2), pair.distance, pair.other.pk)
        current = best.get(pair.design_id)
        if current is None or rank < current[2]:
            best[pair.design_id] = (pair.other, pair.distance, rank)
    return {pk: (other, gap) for pk, (other, gap, _) in best.items()}


def variation_counts(prompts) -> dict[str, int]:
    """prompt -> how many designs with exactly this prompt are in review (compare mode needs at least two)."""
    prompts = [prompt for prompt in set(prompts) if prompt]
    rows = Design.objects.filter(status=Status.REVIEW, prompt__in=prompts).values_list("prompt").annotate(n=Count("pk"))
    return dict(rows.order_by())


def variations(design: Design) -> list[Design]:
    """Every design made from this design's prompt (siblings of one job and later "more variations"), in review
    first, then the decided ones for reference; oldest first within each."""
    if not design.prompt:
        return [design]
    same = Design.objects.filter(prompt=design.prompt).order_by("created_at", "pk")[:48]
    return sorted(same, key=lambda other: other.status != Status.REVIEW)


def variations_in_review(design_id: int, *, among) -> list[int]:
    """Of the ids in `among`, those in review with the same prompt as design `design_id`."""
    prompt = Design.objects.filter(pk=design_id).values_list("prompt", flat=True).first()
    if not prompt:
        return []
    ids = [int(value) for value in among]
    return list(
        Design.objects.filter(pk__in=ids, prompt=prompt, status=Status.REVIEW)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def standing_group_decisions(actor, group: str) -> dict[str, list[int]]:
    """to_status -> design ids, of this person's decisions in `group` that nothing has superseded yet."""
    later = DesignEvent.objects.filter(design_id=OuterRef("design_id"), pk__gt=OuterRef("pk"))
    rows = (
        DesignEvent.objects.filter(actor=actor, group=group, to_status__in=DECIDED)
        .filter(~Exists(later))
        .values_list("to_status", "design_id")
    )
    standing: dict[str, list[int]] = {}
    for to_status, design_id in rows.order_by("pk"):
        standing.setdefault(to_status, []).append(design_id)
    return standing


def batch_name(batch_id: int | None) -> str:
    from designs.models import Batch

    if batch_id is None:
        return ""
    return Batch.objects.filter(pk=batch_id).values_list("name", flat=True).first() or ""


def batch_preview(batch_id: int, limit: int) -> list[Design]:
    """The batch's newest designs with an image, for thumbnails on its page. One query."""
    return list(
        Design.objects.filter(batch_id=batch_id)
        .exclude(thumbnail="")
        .only("pk", "status", "thumbnail", "title")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- who decides what (the admin index dashboard) ----------------------------------------------------------

# Decided and kept: approved, and everything an approved design goes on to.
KEPT = frozenset({Status.APPROVED, Status.PUBLISHING, Status.MOCKUPS, Status.PUBLISHED, Status.PUBLISH_FAILED})
RATES_WINDOW = timedelta(days=30)


def start_of_week() -> datetime:
    return start_of_today() - timedelta(days=timezone.localdate().weekday())


def reviewer_stats() -> list[dict]:
    """Per reviewer, this week's decisions still standing (not undone by them): today, this week, approved.

    [{"actor_id", "actor__username", "today", "week", "approved"}], busiest first, in one query.
    """
    taken_back = DesignEvent.objects.filter(
        design_id=OuterRef("design_id"), actor=OuterRef("actor"), to_status=Status.REVIEW, pk__gt=OuterRef("pk")
    )
    return list(
        DesignEvent.objects.filter(to_status__in=DECIDED, created_at__gte=start_of_week(), actor__isnull=False)
        .filter(~Exists(taken_back))
        .values("actor_id", "actor__username")
        .annotate(
            week=Count("pk"),
            today=Count("pk", filter=Q(created_at__gte=start_of_today())),
            approved=Count("pk", filter=Q(to_status=Status.APPROVED)),
        )
        .order_by("-week", "actor__username")
    )


def approval_rates(by: str, *, limit: int = 8) -> list[dict]:
    """Designs decided in the last 30 days grouped `by` "batch", "preset" or "prompt", most decided first:
    [{"key", "name", "decided", "kept"}] (kept: approved or further). One aggregate query."""
    names = {"batch": ("batch_id", "batch__name"), "preset": ("preset_id", "preset__name"), "prompt": ("prompt",)}
    fields = names[by]
    rows = (
        Design.objects.filter(status__in=[*KEPT, Status.REJECTED], status_changed_at__gte=timezone.now() - RATES_WINDOW)
        .exclude(**{f"{fields[0]}__isnull": True} if by != "prompt" else {"prompt": ""})
        .values(*fields)
        .annotate(decided=Count("pk"), kept=Count("pk", filter=Q(status__in=KEPT)))
        .order_by("-decided", *fields)[:limit]
    )
    return [{"key": row[fields[0]], "name": row[fields[-1]], **row} for row in rows]


def design_templates(ids: list[int]) -> dict[int, object]:
    """design_template() of many designs at once: {design id: its template}, in a few queries however many."""
    from designs.models import ProductTemplate

    default = ProductTemplate.objects.filter(is_default=True).first()
    first: dict[int, int] = {}
    for start in range(0, len(ids), 2000):
        rows = (
            Product.objects.filter(design_id__in=ids[start : start + 2000])
            .exclude(template=None)
            .order_by("-pk")
            .values_list("design_id", "template_id")
        )
        first.update(rows)  # ordered newest first, so each design keeps its first product's template
    templates = ProductTemplate.objects.in_bulk(set(first.values()))
    return {design_id: templates.get(first[design_id]) if design_id in first else default for design_id in ids}


def design_template(design: Design):
    """The template a design's print quality and copy are judged by: that of its first product, else the default."""
    from designs.models import ProductTemplate

    product = design.products.exclude(template=None).select_related("template").order_by("pk").first()
    if product is not None:
        return product.template
    return ProductTemplate.objects.filter(is_default=True).first()


def unfinished_reprice_jobs():
    """Repricing jobs not done yet (the reconciler wakes those nobody works on)."""
    return RepriceJob.objects.exclude(state=RepriceState.DONE)


# --- listing limits: which shops' limits copy must fit (designs/channels.py combines them) ----------------------


def selling_limits():
    """The strictest listing limits across the connected shops that have templates (a template from before shops
    counts as the default shop's); the default shop's when none has; the listing settings' when there is no shop.
    What copy typed on the review page, the changelist or a prompt file is checked against."""
    from designs import channels
    from designs.models import ProductTemplate
    from designs.shops import SalesChannel, Shop, default_shop

    shops = list(
        Shop.objects.filter(disconnected_at__isnull=True, templates__isnull=False)
        .exclude(channel=SalesChannel.DISCONNECTED)
        .distinct()
    )
    if not shops or ProductTemplate.objects.filter(shop__isnull=True).exists():
        default = default_shop()
        if default is not None and default.connected and default.pk not in {shop.pk for shop in shops}:
            shops.append(default)
    return channels.strictest([channels.shop_limits(shop) for shop in shops])


def copy_limits(design: Design, template_ids=None):
    """The listing limits the LLM's copy for `design` must fit: the strictest of the shops of the templates it is
    about to be published to (`template_ids`) and of the shops its products are in already (they get the copy
    too when their listings are updated); without templates, selling_limits()."""
    from designs import channels
    from designs.models import ProductTemplate
    from designs.product_templates import template_limits
    from designs.products import ProductState
    from designs.shops import Shop

    if not template_ids:
        return selling_limits()
    templates = list(ProductTemplate.objects.filter(pk__in=template_ids).select_related("shop").order_by("pk"))
    limits = [template_limits(template) for template in templates]
    made_in = design.products.exclude(state=ProductState.DELETED).exclude(shop=None).values("shop_id")
    limits += [channels.shop_limits(shop) for shop in Shop.objects.filter(pk__in=made_in)]
    return channels.strictest(limits) if limits else selling_limits()
