"""Publishing use cases: publish (as one or several products), retry, unpublish. The work runs on the workers, one
publishing run per product (workers/publish_run.py).

A design becomes one Printify product per product template (a tee and a mug = two products), never two of one
template: the Product row for (design, template) is unique, and publishing again resumes or republishes it.
Every function returns a MoveResult of designs, like review's, so the admin and the commands report
"12 queued for publishing, 3 skipped (in review)" the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from django.db import connection, transaction

from designs import contrast, print_quality
from designs.compliance import report_refused
from designs.machine import MoveResult
from designs.models import Design, Product, ProductTemplate
from designs.product_templates import (
    TemplateInvalid,
    check_template,
    enabled_variants,
    sku_prefix,
    template_from_snapshot,
    template_snapshot,
)
from designs.products import (
    ON_SHOP,
    PRODUCT,
    ProductState,
    in_flight_state,
    move_products,
    restartable,
    summarise_designs,
)
from designs.services import print_files, publish_checks
from designs.shops import shop_of
from designs.template_prices import settle_prices
from designs.workers import enqueue, enqueue_publish
from designs.workflow import PUBLISHABLE, Status, design_ids

CHUNK = 500  # designs per transaction: a select-all of thousands never holds the write lock for long


class PublishRefused(ValueError):
    """Publishing could not start: no usable product template. Nothing was changed."""


@dataclass
class PublishResult(MoveResult):
    products: list[int] = field(default_factory=list)  # the products queued (new or started again)

    def summary(self, verb: str) -> str:
        text = super().summary(verb)
        if len(self.products) != len(self.moved):
            text += f" ({len(self.products)} products)"
        return text


def default_template() -> ProductTemplate | None:
    return ProductTemplate.objects.filter(is_default=True).first()


def chosen_templates(templates) -> list[ProductTemplate]:
    """The templates asked for, or the default one; PublishRefused when there is none or one cannot be used."""
    chosen = list({t.pk: t for t in templates or []}.values())
    if not chosen:
        default = default_template()
        if default is None:
            raise PublishRefused(
                "There is no product template to publish with: create one under Product templates and mark it "
                "default, or choose one."
            )
        chosen = [default]
    for template in chosen:
        try:
            check_template(template)
        except TemplateInvalid as error:
            raise PublishRefused(str(error)) from error
    return chosen


def publish_plan(ids, chosen) -> dict[int, list[ProductTemplate]]:
    """{design id: the chosen templates it would get a product of (new, or failed/deleted/unpublished started
    again)} for the publishable designs of `ids`. Designs with nothing to do are left out."""
    candidates = list(Design.objects.filter(pk__in=ids, status__in=PUBLISHABLE).values_list("pk", flat=True))
    existing = dict(
        ((design_id, template_id), state)
        for design_id, template_id, state in Product.objects.filter(
            design_id__in=candidates, template__in=chosen
        ).values_list("design_id", "template_id", "state")
    )
    plan: dict[int, list[ProductTemplate]] = {}
    for design_id in candidates:
        for template in chosen:
            state = existing.get((design_id, template.pk))
            if state is None or state in restartable(template):
                plan.setdefault(design_id, []).append(template)
    return plan


def request_publish(
    designs,
    *,
    actor,
    source: str,
    templates=None,
    allow_duplicate_titles: bool = False,
    override_low_dpi: bool = False,
    drop_colours=(),
) -> PublishResult:
    """Make each design a product of each template (default: the default template), then a publishing run per
    product once the change is committed.

    Designs that are approved, published (another product) or failed qualify. Per design and template: no product
    yet → a new one; a failed, deleted or unpublished one → started again (with the template as it is now);
    one being made or live → left alone. A design with nothing to do is reported as skipped. Every template is
    checked before anything changes. Print quality (designs/print_quality.py) is checked per template before
    anything changes too: designs below MIN_PRINT_DPI refuse the request unless `override_low_dpi`. A product
    naming a blocked term, or whose title another live product of its template has (unless
    `allow_duplicate_titles`), is not made; a design none of whose products may be made is refused, with why.
    `drop_colours`: "design:template" keys (drop_keys) whose product leaves out the colours the design nearly
    vanishes on (designs/contrast.py, checked again here), recorded in the product's snapshot and history.
    """
    chosen = chosen_templates(templates)
    for template in chosen:
        settle_prices(template)  # products are made at the prices the template's page shows
    ids = design_ids(designs)
    plan = publish_plan(ids, chosen)
    gate = print_gate(plan, override=override_low_dpi)
    if gate.refused:  # print quality, before anything changes (so before any Printify request)
        raise PublishRefused(gate.refusal())
    refused_pairs = publish_checks.product_refusals(plan, allow_duplicate_titles=allow_duplicate_titles)
    exclusions = colour_exclusions(parse_drop_keys(drop_colours), plan)
    for pair, colours in list(exclusions.items()):
        template = next(t for t in chosen if t.pk == pair[1])
        if not enabled_variants(template_from_snapshot(template_snapshot(template, excluded_colours=colours))):
            refused_pairs.setdefault(pair, every_colour_vanishes(template, colours))
            del exclusions[pair]
    names = ", ".join(t.name for t in chosen)
    message = f"Publishing to Printify requested ({names})."
    result = PublishResult(target=Status.PUBLISHING)
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            before = len(result.moved)
            _publish_chunk(
                ids[start : start + CHUNK], chosen, actor, source, message, result, refused_pairs, exclusions
            )
            # A new request decides afresh about publishing below the minimum (a retry keeps the decision made),
            # in the chunk's own transaction: its runs are woken only when it commits, so none runs without it.
            Design.objects.filter(pk__in=result.moved[before:]).update(print_gate_overridden=override_low_dpi)
    with transaction.atomic():
        print_files.after_publish_requested(gate, result.moved, actor=actor, source=source)
    return report_refused(result, _design_refusals(refused_pairs, result), waiting_in=frozenset(PUBLISHABLE))


def print_gate(plan: dict[int, list[ProductTemplate]], *, override: bool) -> print_quality.Gate:
    """The print-quality gate over a publish plan (design id -> its templates), asked per template."""
    by_template: dict[int, tuple[ProductTemplate, list[int]]] = {}
    for design_id, templates in plan.items():
        for template in templates:
            by_template.setdefault(template.pk, (template, []))[1].append(design_id)
    return print_quality.check_designs(list(by_template.values()), override=override)


def _design_refusals(refused_pairs: dict[tuple[int, int], str], result: PublishResult) -> dict[int, str]:
    """Designs none of whose products went ahead because of a listing rule: {design id: the reasons}."""
    reasons: dict[int, list[str]] = {}
    for (design_id, _), reason in refused_pairs.items():
        if design_id not in result.moved:
            reasons.setdefault(design_id, []).append(reason)
    for design_id in reasons:
        result.skipped.pop(design_id, None)
    return {design_id: "; ".join(dict.fromkeys(each)) for design_id, each in reasons.items()}


# --- leaving out the colours a design nearly vanishes on --------------------------------------------------------

MAX_DROP_KEYS = 20_000  # as many as one request's designs × a few templates


def drop_key(design_id: int, template_id: int) -> str:
    """How the publish confirmation names one product whose vanishing colours are left out."""
    return f"{design_id}:{template_id}"


def parse_drop_keys(keys) -> set[tuple[int, int]]:
    """{(design id, template id)} from "design:template" keys; anything else is ignored."""
    found = set()
    for key in list(keys or [])[:MAX_DROP_KEYS]:
        design, _, template = str(key).partition(":")
        if design.isdigit() and template.isdigit() and len(design) <= 12 and len(template) <= 12:
            found.add((int(design), int(template)))
    return found


def colour_exclusions(pairs: set[tuple[int, int]], plan: dict[int, list[ProductTemplate]]) -> dict:
    """{(design id, template id): the colours to leave out} for the asked pairs that publishing would make,
    checked now by the same rule the confirmation showed."""
    by_template: dict[int, tuple[ProductTemplate, list[int]]] = {}
    for design_id, template_id in pairs:
        template = next((t for t in plan.get(design_id, []) if t.pk == template_id), None)
        if template is not None:
            by_template.setdefault(template.pk, (template, []))[1].append(design_id)
    found = {}
    for template, asked in by_template.values():
        designs = Design.objects.filter(pk__in=asked).only(*contrast.CONTRAST_FIELDS)
        for design_id, report in contrast.checks(designs, template, measure_limit=len(asked), save=True).items():
            if report.vanishing_names:
                found[(design_id, template.pk)] = report.vanishing_names
    return found


def every_colour_vanishes(template, colours) -> str:
    return (
        f"it nearly vanishes on every colour of “{template.name}” ({', '.join(colours)}): leaving them out leaves "
        "nothing to sell; publish it in those colours anyway, or choose another template"
    )


def _note_exclusions(product_pairs, exclusions, *, actor_id, source: str) -> None:
    """One history note per product that leaves colours out, naming them."""
    by_colours: dict[tuple[str, ...], list[int]] = {}
    for product_id, pair in product_pairs:
        if pair in exclusions:
            by_colours.setdefault(tuple(exclusions[pair]), []).append(product_id)
    for colours, product_ids in by_colours.items():
        PRODUCT.note(
            product_ids,
            f"Left out {', '.join(colours)}: the design nearly vanishes on {'it' if len(colours) == 1 else 'them'}.",
            source=source,
            actor=actor_id,
        )


def _publish_chunk(ids, chosen, actor, source, message, result: PublishResult, refused_pairs, exclusions=None) -> None:
    exclusions = exclusions or {}
    current = _locked_statuses(ids)
    candidates = [design_id for design_id in ids if current.get(design_id) in PUBLISHABLE]
    existing = {
        (row.design_id, row.template_id): row
        for row in Product.objects.filter(design_id__in=candidates, template__in=chosen).only(
            "pk", "design_id", "template_id", "state", "printify_id"
        )
    }
    new, restart, with_work = [], [], set()
    for design_id in candidates:
        for template in chosen:
            if (design_id, template.pk) in refused_pairs:
                continue
            product = existing.get((design_id, template.pk))
            excluded = exclusions.get((design_id, template.pk), ())
            if product is None:
                new.append(_new_product(design_id, template, excluded))
            elif product.state in restartable(template):
                restart.append((product, template, excluded))
            else:
                continue
            with_work.add(design_id)
    actor_id = getattr(actor, "pk", actor)
    created = PRODUCT.create_many(new, state=ProductState.CREATING, source=source, actor=actor_id, message=message)
    started = [p.pk for p in created] + _restart(restart, actor_id, source, message)
    touched = [(p.pk, (p.design_id, p.template_id)) for p in created]
    touched += [(p.pk, (p.design_id, t.pk)) for p, t, _ in restart if p.pk in started]
    _note_exclusions(touched, exclusions, actor_id=actor_id, source=source)
    summarise_designs(with_work, actor=actor_id, source=source, message=message)
    result.moved += [design_id for design_id in ids if design_id in with_work]
    result.skipped.update({design_id: current.get(design_id) for design_id in ids if design_id not in with_work})
    result.products += started
    for product_id in started:
        enqueue_publish(product_id)


def _new_product(design_id: int, template: ProductTemplate, excluded=()) -> Product:
    return Product(
        design_id=design_id,
        template=template,
        shop=shop_of(template),
        template_name=template.name,
        template_snapshot=template_snapshot(template, excluded_colours=excluded),
        sku_prefix=sku_prefix(design_id, template.pk),
    )


def _restart(pairs, actor_id, source: str, message: str) -> list[int]:
    """Failed, deleted or unpublished products → being created / going live, each with a fresh snapshot.
    `pairs`: (product, template, colours it leaves out)."""
    started = []
    for target in (ProductState.CREATING, ProductState.PUBLISHING):
        group = [(p, t, e) for p, t, e in pairs if in_flight_state(p.printify_id) == target]
        if not group:
            continue
        moves = move_products(
            [p.pk for p, _, _ in group],
            to=target,
            actor=actor_id,
            source=source,
            message=message,
            updates={"last_error": "", "attempts": 0},
            per_row={
                p.pk: {"template_snapshot": template_snapshot(t, excluded_colours=e), "template_name": t.name}
                for p, t, e in group
            },
        )
        started += moves.moved
    return started


def _locked_statuses(ids) -> dict[int, str]:
    rows = Design.objects.filter(pk__in=ids)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update().order_by("pk")
    return dict(rows.values_list("pk", "status"))


def retry_publish(designs, *, actor, source: str) -> PublishResult:
    """The failed products of these designs start again (with their template as it is now), resuming at the
    first step without a saved id. The listing rules are checked again (a term may have been blocked since);
    the print gate is the run's (a design published below the minimum on purpose keeps that decision)."""
    ids = design_ids(designs)
    failed = Product.objects.filter(design_id__in=ids, state=ProductState.FAILED, design__status=Status.PUBLISH_FAILED)
    return _retry_products(ids, failed, actor=actor, source=source, waiting_in=frozenset({Status.PUBLISH_FAILED}))


def _retry_products(ids, failed, *, actor, source: str, waiting_in: frozenset[str]) -> PublishResult:
    failed = list(failed.select_related("template").order_by("pk"))
    for template in {p.template_id: p.template for p in failed if p.template}.values():
        try:
            check_template(template)
        except TemplateInvalid as error:
            raise PublishRefused(str(error)) from error
        settle_prices(template)
    plan: dict[int, list[ProductTemplate]] = {}
    for product in failed:
        if product.template:
            plan.setdefault(product.design_id, []).append(product.template)
    refused_pairs = publish_checks.product_refusals(plan, allow_duplicate_titles=False)
    failed = [p for p in failed if (p.design_id, p.template_id) not in refused_pairs]
    result = PublishResult(target=Status.PUBLISHING)
    with transaction.atomic():
        current = _locked_statuses(ids)
        # A retry keeps the colours the product left out when it was asked for.
        pairs = [
            (p, p.template, (p.template_snapshot or {}).get("excluded_colours") or ()) for p in failed if p.template
        ]
        started = _restart(pairs, getattr(actor, "pk", actor), source, "Publishing retried.")
        # A product whose template was deleted keeps the snapshot it had.
        orphans = [p for p in failed if not p.template]
        for target in (ProductState.CREATING, ProductState.PUBLISHING):
            group = [p.pk for p in orphans if in_flight_state(p.printify_id) == target]
            if group:
                started += move_products(
                    group,
                    to=target,
                    actor=actor,
                    source=source,
                    message="Publishing retried.",
                    updates={"last_error": "", "attempts": 0},
                ).moved
        with_work = {p.design_id for p in failed if p.pk in set(started)}
        result.moved = [design_id for design_id in ids if design_id in with_work]
        result.skipped = {design_id: current.get(design_id) for design_id in ids if design_id not in with_work}
        result.products = started
        for product_id in started:
            enqueue_publish(product_id)
    refusals = _design_refusals(refused_pairs, result)
    return report_refused(result, refusals, waiting_in=waiting_in)


def publish_or_retry(designs, *, actor, source: str, templates=None, **checks) -> PublishResult:
    """What publish_designs asks for: new products only of the templates named (none named: approved designs get
    the default template), and every failed product of these designs started again with its own template, as the
    admin's Retry does. A failed design therefore never needs a default template. `checks`: request_publish's
    allow_duplicate_titles and override_low_dpi, for the new products."""
    ids = design_ids(designs)
    fresh = (
        ids
        if templates
        else list(Design.objects.filter(pk__in=ids, status=Status.APPROVED).values_list("pk", flat=True))
    )
    failed_before = list(
        Product.objects.filter(design_id__in=ids, state=ProductState.FAILED).values_list("pk", flat=True)
    )
    requested = PublishResult(target=Status.PUBLISHING)
    if fresh:
        requested = request_publish(fresh, actor=actor, source=source, templates=templates, **checks)
    # Products that had failed and the request did not start again (of other templates): retried whatever the
    # design's summary status is now (a new product of it may be publishing already). One that failed since the
    # request began is not retried at once.
    retried = _retry_products(
        ids,
        Product.objects.filter(pk__in=failed_before, state=ProductState.FAILED),
        actor=actor,
        source=source,
        waiting_in=frozenset(PUBLISHABLE) | {Status.PUBLISHING},
    )
    moved = set(requested.moved) | set(retried.moved)
    result = PublishResult(target=Status.PUBLISHING, products=requested.products + retried.products)
    result.moved = [design_id for design_id in ids if design_id in moved]
    result.refused = {
        design_id: reason
        for design_id, reason in {**retried.refused, **requested.refused}.items()
        if design_id not in moved
    }
    current = dict(Design.objects.filter(pk__in=ids).values_list("pk", "status"))
    result.skipped = {i: current.get(i) for i in ids if i not in moved and i not in result.refused}
    return result


def request_unpublish(designs, *, actor, source: str, delete: bool) -> MoveResult:
    """Take the designs' products off the store (and, with delete, remove them from Printify) on a worker.

    `moved` lists the designs with products queued; their products move once Printify confirms. Designs without
    such a product are reported in `skipped` with their status.
    """
    ids = design_ids(designs)
    current = dict(Design.objects.filter(pk__in=ids).values_list("pk", "status"))
    products = unpublishable_products(ids, delete=delete)
    rows = list(products.values_list("pk", "design_id"))
    with_products = {design_id for _, design_id in rows}
    result = MoveResult(Status.APPROVED)
    result.moved = [design_id for design_id in ids if design_id in with_products]
    result.skipped = {design_id: current.get(design_id) for design_id in ids if design_id not in with_products}
    actor_id = getattr(actor, "pk", actor)
    for product_id, _ in rows:
        transaction.on_commit(
            partial(enqueue, "unpublish_product", product_id, delete=delete, actor_id=actor_id, source=source)
        )
    return result


def unpublishable_products(design_ids_, *, delete: bool):
    """Products of these designs that unpublishing (live ones) or deleting (live or on Printify) acts on. A failed
    product keeps its Printify id for the retry; deleting the design deletes it too."""
    products = Product.objects.filter(design_id__in=design_ids_).exclude(printify_id="")
    return products.filter(state__in=ON_SHOP if delete else [ProductState.LIVE])
