"""What a listing must pass before it may go live: no blocked term, a title of its own (unless the template says
the prompt is the title), copy its shop's sales channel accepts (designs/channels.py: each template is checked
against its own shop, so a design refused by an eBay shop still goes to the Etsy shop's templates), and a title no
other live product of the same template already has (unless the seller confirmed the twin). Used by
request_publish (which refuses) and by the publish confirmation (which shows who will be refused and why, before
anything happens).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from designs import compliance, listing
from designs.clients import llm_configured
from designs.models import Design, Product, ProductTemplate
from designs.product_templates import (
    UNTITLED_REASON,
    TemplateInvalid,
    lacks_own_title,
    render_title,
    template_limits,
    untitled_problem,
)
from designs.products import ProductState
from designs.workflow import PUBLISHABLE

# Products in the store, or on their way there: a twin title among them competes with the new listing.
LIVE = (ProductState.CREATING, ProductState.PUBLISHING, ProductState.SCHEDULED, ProductState.LIVE)
CHUNK = 2000
TWIN_REASON = "its title"  # how every duplicate-title refusal starts (the form offers to publish those anyway)


def template_terms(template: ProductTemplate, screen: compliance.Screen) -> list[compliance.Hit]:
    """Blocked terms written into the template's own texts (every product made with it would carry them)."""
    return screen.hits(
        {
            "title template": template.title_template,
            "description template": template.description_template,
            "tags template": template.tags_template,
        }
    )


def publish_refusals(plan: dict[int, ProductTemplate], *, allow_duplicate_titles: bool = False) -> dict[int, str]:
    """{design id: why it may not go live} for the designs of `plan` (design id -> the template it would use)."""
    screen = compliance.active_screen()
    refused: dict[int, str] = {}
    for template in {template.pk: template for template in plan.values()}.values():
        hits = template_terms(template, screen)
        if hits:
            reason = f"its template “{template.name}” names {compliance.describe(hits)}"
            refused.update({design_id: reason for design_id, used in plan.items() if used.pk == template.pk})
    ids = [design_id for design_id in plan if design_id not in refused]
    refused.update(compliance.blocked_designs(ids, screen))
    refused.update(_untitled({i: plan[i] for i in plan if i not in refused}))
    refused.update(_over_limits({i: plan[i] for i in plan if i not in refused}))
    if not allow_duplicate_titles:
        refused.update(_title_twins({i: plan[i] for i in plan if i not in refused}))
    return refused


def product_refusals(
    plan: dict[int, list[ProductTemplate]], *, allow_duplicate_titles: bool = False
) -> dict[tuple[int, int], str]:
    """{(design id, template id): why that product may not go live} for `plan` (design id -> the templates it
    would get a product of). Each template is screened on its own: a design may go live as a mug but not a tee."""
    by_template: dict[int, tuple[ProductTemplate, list[int]]] = {}
    for design_id, templates in plan.items():
        for template in templates:
            by_template.setdefault(template.pk, (template, []))[1].append(design_id)
    refused: dict[tuple[int, int], str] = {}
    for template, ids in by_template.values():
        found = publish_refusals(dict.fromkeys(ids, template), allow_duplicate_titles=allow_duplicate_titles)
        refused.update({(design_id, template.pk): reason for design_id, reason in found.items()})
    return refused


def _untitled(plan: dict[int, ProductTemplate]) -> dict[int, str]:
    """Designs that would go live under their prompt or file name: no title of their own (lacks_own_title)."""
    refused: dict[int, str] = {}
    ids = list(plan)
    for start in range(0, len(ids), CHUNK):
        for design in Design.objects.filter(pk__in=ids[start : start + CHUNK]).only("pk", "title", "prompt"):
            template = plan[design.pk]
            if lacks_own_title(template, design):
                refused[design.pk] = untitled_problem(template)
    return refused


def _over_limits(plan: dict[int, ProductTemplate]) -> dict[int, str]:
    """Designs whose copy its template's shop does not accept (designs/channels.py: the channel's limits, the shop's
    own settings), said with the shop: "eBay (My eBay): the title is 95 characters; eBay allows 80"."""
    refused: dict[int, str] = {}
    for template, ids in _by_template(plan):
        shop = template_limits(template)
        for start in range(0, len(ids), CHUNK):
            chunk = Design.objects.filter(pk__in=ids[start : start + CHUNK]).select_related("batch")
            for design in chunk.only("pk", "title", "prompt", "style", "description", "tags", "batch__name"):
                try:
                    product_title = render_title(template, design)
                except TemplateInvalid:
                    continue  # refused elsewhere, with the template's own problems
                reason = listing.publish_refusal(
                    own_title=listing.clean_title(design.title),
                    product_title=product_title,
                    tags=[str(tag) for tag in design.tags or []],
                    shop=shop,
                )
                if reason:
                    refused[design.pk] = reason
    return refused


def _by_template(plan: dict[int, ProductTemplate]) -> list[tuple[ProductTemplate, list[int]]]:
    """The plan (design id -> template) as (template, its design ids), in the plan's order."""
    grouped: dict[int, list[int]] = {}
    for design_id, template in plan.items():
        grouped.setdefault(template.pk, []).append(design_id)
    return [(plan[ids[0]], ids) for ids in grouped.values()]


def untitled_ids(refusals) -> list[int]:
    """The designs among {design id or (design id, template id): reason} refused for having no title of their own
    (the way out: write their listing copy, or type titles)."""
    return sorted({key[0] if isinstance(key, tuple) else key for key, why in refusals.items() if is_untitled(why)})


def is_untitled(reason: str) -> bool:
    return UNTITLED_REASON in reason


def _title_twins(plan: dict[int, ProductTemplate]) -> dict[int, str]:
    """Designs whose product title another live product of the same template has, or an earlier design of the
    same selection would get."""
    refused: dict[int, str] = {}
    for template, ids in _by_template(plan):
        live = Product.objects.filter(template=template, state__in=LIVE).values("design_id")
        taken = {
            key: f"already live as design {other}"
            for other, _, key in _titles(Design.objects.filter(pk__in=live), template)
            if other not in plan
        }
        for start in range(0, len(ids), CHUNK):
            chunk = Design.objects.filter(pk__in=ids[start : start + CHUNK]).order_by("pk")
            for design_id, title, key in _titles(chunk, template):
                if key in taken:
                    refused[design_id] = f"{TWIN_REASON} “{title}” is {taken[key]}"
                else:
                    taken[key] = f"also the title of design {design_id} in this selection"
    return refused


def _titles(designs, template):
    """(id, product title, comparison key) of each design."""
    for design in designs.select_related("batch").only(
        "pk", "title", "prompt", "style", "description", "tags", "batch__name"
    ):
        try:
            title = render_title(template, design)
        except TemplateInvalid:
            continue  # refused elsewhere, with the template's own problems
        yield design.pk, title, " ".join(title.casefold().split())


# --- what the publish confirmation shows ------------------------------------------------------------------------


@dataclass
class PreviewRow:
    design: Design
    title: str  # the product title that would be sent (with the first template it gets)
    templates: list[ProductTemplate]  # the templates it would get a product of
    outcome: str  # publish | refused | skipped
    reason: str = ""  # why refused or skipped; for "publish", the templates it will not be published as
    note: str = ""  # what else a person should know (published below the minimum DPI as they asked)


@dataclass
class PublishPreview:
    rows: list[PreviewRow]
    publish_count: int
    refused: dict[int, str]  # designs none of whose products may go live, and why
    skip_count: int
    templates: list[ProductTemplate] = field(default_factory=list)
    twins: int = 0  # refusals for a duplicate title only (ticking "publish titles already live" lets them through)
    product_refusals: dict[tuple[int, int], str] = field(default_factory=dict)


def publish_preview(
    ids: list[int], templates, *, allow_duplicate_titles: bool, shown: int = 48, plan: dict | None = None
) -> PublishPreview:
    """Who would go live with which title and templates, who would be refused and why, and who is skipped.
    `plan`: publishing.publish_plan(ids, templates) when the caller has it already."""
    from designs.services.publishing import publish_plan

    templates = list(templates)
    if plan is None:
        plan = publish_plan(ids, templates) if templates else {}
    pairs = product_refusals(plan, allow_duplicate_titles=allow_duplicate_titles)
    refused: dict[int, str] = {}
    partly: dict[int, str] = {}
    for design_id, wanted in plan.items():
        reasons = [f"{t.name}: {pairs[(design_id, t.pk)]}" for t in wanted if (design_id, t.pk) in pairs]
        if len(reasons) == len(wanted):
            refused[design_id] = "; ".join(dict.fromkeys(pairs[(design_id, t.pk)] for t in wanted))
        elif reasons:
            partly[design_id] = "; ".join(reasons)
    twins = sum(reason.startswith(TWIN_REASON) for reason in pairs.values())
    rows = []
    for design in Design.objects.filter(pk__in=ids).select_related("batch").order_by("pk")[:shown]:
        wanted = plan.get(design.pk, [])
        title = _safe_title(wanted[0], design) if wanted else (design.title or design.prompt)
        if not wanted:
            reason = (
                "it has a product of every template chosen"
                if design.status in PUBLISHABLE
                else f"it is {design.get_status_display().lower()}"
            )
            rows.append(PreviewRow(design, title, wanted, "skipped", reason))
        elif design.pk in refused:
            rows.append(PreviewRow(design, title, wanted, "refused", refused[design.pk]))
        else:
            rows.append(PreviewRow(design, title, wanted, "publish", partly.get(design.pk, "")))
    return PublishPreview(
        rows=rows,
        publish_count=len(plan) - len(refused),
        refused=refused,
        skip_count=len(ids) - len(plan),
        templates=sorted(templates, key=lambda t: t.name),
        twins=twins,
        product_refusals=pairs,
    )


def _safe_title(template: ProductTemplate, design: Design) -> str:
    try:
        return render_title(template, design)
    except TemplateInvalid:
        return design.title or design.prompt


def untitled_way_out(ids: list[int], *, write_copy_hint: str) -> str:
    """What to do about designs refused for having no title of their own, in words: their listing copy written by
    the LLM (when one is configured; `write_copy_hint` says how, on this screen), or titles typed."""
    count = len(ids)
    these = "this design" if count == 1 else f"these {count:,} designs"
    shown = ", ".join(str(design_id) for design_id in ids[:20]) + (" …" if count > 20 else "")
    if llm_configured():
        return f"No title of their own ({shown}): write listing copy for {these} ({write_copy_hint}), or type a title."
    return (
        f"No title of their own ({shown}): type a title for {these} (changelist, review page or the design's page); "
        "listing copy by LLM is off (LLM_API_BASE and LLM_MODEL are not set)."
    )
