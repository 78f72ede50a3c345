"""What the publish confirmation shows, worked out before anything changes: the templates (their variants, prices
and problems), the listing limits of their shops, how many designs and products publishing would make, who is
refused and why (blocked terms, a shop's listing limits — naming the shop —, titles already live, print quality), a
sample of designs one by one, and whether confirming may go ahead.

The same rules as request_publish (designs/services/publishing.py), asked of the same functions, so a design the
page lists as refused is refused when the answer comes; the admin action only presents this.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from designs import channels, listing, print_quality, selectors
from designs.clients import llm_configured
from designs.models import Design, ProductTemplate
from designs.print_status import PRINT_PENDING
from designs.product_templates import enabled_variants, publish_parts, template_limits, template_problems
from designs.services import listing_copy, publish_checks
from designs.services.publishing import default_template, print_gate, publish_plan
from designs.workflow import PUBLISHABLE, design_ids

PREVIEW_DESIGNS = 48  # designs shown one by one (the counts cover the whole selection)
PRINT_QUALITY_SHOWN = 50  # designs listed below the minimum DPI, or without transparency, per template
TRANSPARENCY_CHECKED = 2000  # designs whose alpha channel is looked at per template (the count says "at least")
LOW_DPI_REASON = "below the minimum DPI"  # how a print-quality refusal starts on the page


@dataclass
class TemplateCard:
    template: ProductTemplate
    problems: list[str]  # why Printify would refuse it (then nothing may be confirmed)
    parts: dict  # what publishing sends to the store (title, description, images, …)
    variants: list[dict]  # the enabled variants, each with its price in minor units


@dataclass
class PrintQuality:
    """One template's print-quality findings over the designs that would get a product of it."""

    template: ProductTemplate
    low_dpi: list[print_quality.Readiness]  # a sample; the count covers them all
    low_dpi_count: int
    prepare_first_count: int  # below the minimum, but the template prepares print files first
    no_transparency: list[print_quality.Readiness]
    no_transparency_count: int


@dataclass
class PublishConfirmation:
    cards: list[TemplateCard]
    selected: int
    designs: int  # designs that would get a product
    products: int  # products made or started again
    skipped: int  # not publishable, or nothing to do
    refused: dict[int, str]  # design id -> why none of its products may go live (listing rules, print quality)
    twins: int  # refusals for a duplicate title only
    rows: list[publish_checks.PreviewRow]  # the first PREVIEW_DESIGNS designs
    more_rows: int
    print_quality: list[PrintQuality] = field(default_factory=list)  # templates with something to say
    low_dpi_count: int = 0
    override_low_dpi: bool = False
    min_dpi: int = field(default_factory=lambda: settings.MIN_PRINT_DPI)
    every_design_checked: bool = True  # False: a large selection, refusals known for the designs shown only
    untitled: list[int] = field(default_factory=list)  # refused on some template for having no title of their own
    # The listing limits of each chosen template's shop (once per shop), and the strictest of them (what the LLM
    # is asked to fit when it writes copy from this page); each template's designs are checked against its own shop.
    shop_limits: list[listing.Limits] = field(default_factory=list)
    strictest_limits: listing.Limits = field(default_factory=listing.Limits)

    @property
    def low_dpi_refused(self) -> bool:
        """Designs below the minimum refuse the whole request unless the override is ticked."""
        return bool(self.low_dpi_count) and not self.override_low_dpi

    @property
    def can_confirm(self) -> bool:
        usable = bool(self.cards) and not any(card.problems for card in self.cards)
        return usable and self.products > 0 and not self.low_dpi_refused


def confirmation(
    designs, templates=(), *, allow_duplicate_titles: bool = False, override_low_dpi: bool = False
) -> PublishConfirmation:
    """The whole question for `designs` (a queryset: the selection) and `templates` (none: the default one).

    Up to ACTION_IN_WORKER_ABOVE designs every design is checked here, one by one, as request_publish will. A
    larger selection (carried out on a worker) is counted with aggregate queries (designs, products, skipped,
    below the minimum DPI) and only the designs shown are checked one by one; request_publish checks them all
    and reports the refused ones when it runs.
    """
    chosen = list({t.pk: t for t in templates}.values()) or [t for t in [default_template()] if t is not None]
    ids = design_ids(designs)
    every_design = len(ids) <= settings.ACTION_IN_WORKER_ABOVE
    checked_ids = ids if every_design else ids[:PREVIEW_DESIGNS]
    plan = publish_plan(checked_ids, chosen) if chosen else {}
    preview = publish_checks.publish_preview(
        checked_ids, chosen, allow_duplicate_titles=allow_duplicate_titles, shown=PREVIEW_DESIGNS, plan=plan
    )
    quality = _print_quality(plan)
    refused = dict(preview.refused)
    low = {item.design_id: item for checked in quality for item in checked.low_dpi_all}
    if low and not override_low_dpi:
        for design_id, item in low.items():
            refused.setdefault(design_id, f"{LOW_DPI_REASON}: {item.explanation()}")
    rows = [_with_print_quality(row, low, override_low_dpi) for row in preview.rows]
    shop_limits = list(dict.fromkeys(template_limits(template) for template in chosen))
    refused_products = set(preview.product_refusals) | {
        (design_id, template.pk) for design_id in refused for template in plan.get(design_id, [])
    }
    if every_design:
        counts = {
            "designs": len(plan),
            "products": sum(len(wanted) for wanted in plan.values()),
            "skipped": len(ids) - len(plan),
        }
        low_dpi_count = len(low)
        designs_left = counts["designs"] - len(refused)
        products_left = counts["products"] - len(refused_products)
    else:  # counted in SQL; the listing rules are known for the sample only
        counts = selectors.publish_plan(designs, chosen)
        low_by_template = [_low_dpi_count(designs, template) for template in chosen]
        low_dpi_count = max(low_by_template, default=0)  # designs (one below on two templates counts once)
        low_refused = 0 if override_low_dpi else low_dpi_count
        listing_refused = set(preview.refused) - set(low)
        designs_left = counts["designs"] - low_refused - len(listing_refused)
        products_left = counts["products"] - (0 if override_low_dpi else sum(low_by_template))
        products_left -= len(set(preview.product_refusals))
    return PublishConfirmation(
        cards=[_card(template) for template in chosen],
        selected=len(ids),
        designs=designs_left,
        products=products_left,
        skipped=counts["skipped"],
        refused=refused,
        twins=preview.twins,
        rows=rows,
        more_rows=len(ids) - len(rows),
        print_quality=[checked.shown() for checked in quality if checked.has_findings],
        low_dpi_count=low_dpi_count,
        override_low_dpi=override_low_dpi,
        every_design_checked=every_design,
        untitled=publish_checks.untitled_ids(preview.product_refusals),
        shop_limits=shop_limits,
        strictest_limits=channels.strictest(shop_limits),
    )


def untitled_way_out(question: PublishConfirmation, *, may_write_copy: bool) -> str:
    """The way out for the designs refused for having no title of their own, in words ("" when there are none):
    the button on this page when the LLM is configured and the person may write copy, else who may, or titles."""
    if not question.untitled:
        return ""
    hint = "the button below" if may_write_copy else "someone allowed to write listing copy can do it on this page"
    return publish_checks.untitled_way_out(question.untitled, write_copy_hint=hint)


def can_write_untitled_copy(question: PublishConfirmation, *, may_write_copy: bool) -> bool:
    return bool(question.untitled) and may_write_copy and llm_configured()


def write_untitled_copy(question: PublishConfirmation, *, actor, source: str):
    """Queue the LLM's listing copy for the designs the confirmation refused for having no title of their own
    (listing_copy.request_copy: its cap, its skips; NotConfigured without an LLM), to fit the shops of the
    templates chosen."""
    templates = [card.template for card in question.cards]
    return listing_copy.request_copy(question.untitled, actor=actor, source=source, templates=templates)


def _low_dpi_count(designs, template: ProductTemplate) -> int:
    """Publishable designs below the minimum DPI on `template`, counted in SQL (a template that prepares print
    files first, and designs whose print file is on its way, are not refused)."""
    if template.prepare_print_files:
        return 0
    publishable = designs.filter(status__in=PUBLISHABLE).exclude(print_status__in=PRINT_PENDING)
    return print_quality.filter_by_level(publishable, template, print_quality.BAD).count()


def _card(template: ProductTemplate) -> TemplateCard:
    return TemplateCard(
        template=template,
        problems=template_problems(template),
        parts=publish_parts(template),
        variants=enabled_variants(template),
    )


@dataclass
class _Checked:
    template: ProductTemplate
    low_dpi_all: list[print_quality.Readiness]
    prepare_first_count: int
    no_transparency_all: list[print_quality.Readiness]

    @property
    def has_findings(self) -> bool:
        return bool(self.low_dpi_all or self.prepare_first_count or self.no_transparency_all)

    def shown(self) -> PrintQuality:
        return PrintQuality(
            template=self.template,
            low_dpi=self.low_dpi_all[:PRINT_QUALITY_SHOWN],
            low_dpi_count=len(self.low_dpi_all),
            prepare_first_count=self.prepare_first_count,
            no_transparency=self.no_transparency_all[:PRINT_QUALITY_SHOWN],
            no_transparency_count=len(self.no_transparency_all),
        )


def _print_quality(plan: dict[int, list[ProductTemplate]]) -> list[_Checked]:
    """Per template, over the designs that would get a product of it: below the minimum DPI (the gate's own
    answer, with the override, so it lists them all), prepared first, lacking the transparency it needs."""
    by_template: dict[int, tuple[ProductTemplate, list[int]]] = {}
    for design_id, wanted in plan.items():
        for template in wanted:
            by_template.setdefault(template.pk, (template, []))[1].append(design_id)
    checked = []
    for template, ids in by_template.values():
        gate = print_gate({design_id: [template] for design_id in ids}, override=True)
        lacking = []
        if template.needs_transparency:
            sample = Design.objects.filter(pk__in=ids[:TRANSPARENCY_CHECKED]).only(*print_quality.GATE_FIELDS)
            lacking = [
                readiness
                for design in sample.order_by("pk")
                if (readiness := print_quality.print_readiness(design, template)).lacks_transparency
            ]
        prepared = sum(len(group) for _, group in gate.prepare_first)
        checked.append(_Checked(template, gate.overridden, prepared, lacking))
    return checked


def _with_print_quality(row, low: dict, override: bool):
    """A row the listing rules let through but that prints below the minimum says so (refused unless overridden)."""
    item = low.get(row.design.pk)
    if item is None or row.outcome != "publish":
        return row
    if override:
        row.note = f"below the minimum DPI ({item.badge_text()}), published anyway as you ticked"
        return row
    row.outcome, row.reason = "refused", f"{LOW_DPI_REASON}: {item.explanation()}"
    return row
