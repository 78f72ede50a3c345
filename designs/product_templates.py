"""Product templates: checking them, the texts a design gets from one, and the exact Printify payload.

A template says which blueprint/provider/variants a design becomes, at which prices, where the image goes
and how title/description/tags are written. Everything here is pure (no HTTP): the publishing run and the
admin preview call the same build_product_payload(), so the preview shows exactly what will be sent. The text
templates themselves are checked and rendered by designs/text_templates.py; templates made from the catalog or a
product are designs/services/templates.py's.

Past 400 lines as one module on purpose: the checks, the texts and the payload are the three halves of one
question, "what exactly goes to Printify for this design and template", and the preview and the run ask it whole.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from django.template import defaultfilters
from django.utils.html import strip_tags
from django.utils.text import Truncator

from designs import channels, listing
from designs.shops import shop_of
from designs.text_templates import (
    DESCRIPTION,
    TAGS,
    TEMPLATE_VALUE_MAX_CHARS,
    TITLE,
    TemplateInvalid,
    design_values,
    render,
    template_context,
    text_template_problems,
)

# The parts POST …/publish.json accepts (printify-api.md §4 "Publishing").
PUBLISH_PARTS = ("title", "description", "images", "variants", "tags", "keyFeatures", "shipping_template")
DEFAULT_PUBLISH_PARTS = {"title": True, "description": True, "images": True, "variants": True, "tags": True}
PLACEMENT_MODES = ("fixed", "fit", "fill")  # fill: cover the whole print area (edges may be cut)
DEFAULT_PLACEMENT = {"mode": "fixed", "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0}


def sku_prefix(design_id: int, template_id: int | None = None) -> str:
    """Every variant SKU of a product starts with this, so a product can be found again by design and template.

    Products made while a design had only one product carry "podsite-<design>-" (no template part).
    """
    return f"podsite-{design_id}-" if template_id is None else f"podsite-{design_id}-t{template_id}-"


def variant_sku(prefix: str, variant_id: int) -> str:
    return f"{prefix}{variant_id}"


# The fields a product is made from: copied onto the product when publishing is asked for, so a run keeps the
# version it started with while staff edit the template.
SNAPSHOT_FIELDS = (
    "name",
    "blueprint_id",
    "print_provider_id",
    "variants",
    "print_position",
    "placement",
    "placeholders",
    "title_template",
    "description_template",
    "tags_template",
    "publish_after_create",
    "publish_parts",
    "safety_information",
    "prepare_print_files",
    "needs_transparency",
    "review_mockups",
    "prompt_is_title",
)


def template_snapshot(template) -> dict:
    # The shop goes with it: a product's texts are cut to its shop's listing limits (template_limits).
    return {
        "id": template.pk,
        "shop_id": getattr(template, "shop_id", None),
        **{name: getattr(template, name) for name in SNAPSHOT_FIELDS},
    }


def template_from_snapshot(snapshot: dict):
    """An unsaved ProductTemplate carrying the snapshot's values (for checks, texts and the payload)."""
    from designs.models import ProductTemplate

    # Snapshots taken before mockup review existed were published straight away: they keep doing so; those taken
    # before a design needed a title of its own went live with the prompt as the title: they keep doing so too.
    values = {
        "review_mockups": False,
        "prompt_is_title": True,
        **{name: snapshot[name] for name in SNAPSHOT_FIELDS if name in snapshot},
    }
    # A snapshot from before shops says none: the default shop's limits (shop_of).
    return ProductTemplate(pk=snapshot.get("id"), shop_id=snapshot.get("shop_id"), **values)


def enabled_variants(template) -> list[dict]:
    return [v for v in template.variants or [] if v.get("is_enabled", True)]


def publish_parts(template) -> dict:
    return {**DEFAULT_PUBLISH_PARTS, **(template.publish_parts or {})}


def placeholder_size(template, variant_id) -> tuple[int, int] | None:
    """(width, height) in pixels of the template's print position on this variant, from the catalog copy."""
    spot = (template.placeholders or {}).get(str(variant_id), {}).get(template.print_position)
    if not spot:
        return None
    return int(spot["width"]), int(spot["height"])


def placeholders_problems(placeholders) -> list[str]:
    """Whether the print areas have the catalog's shape {variant id: {position: {width, height}}} (they can be typed
    as JSON); [] when they do, so placeholder_size() can read them."""
    sizes = "{position: {width, height}}"
    if not isinstance(placeholders, dict):
        return [f"The print areas must be an object: {{variant id: {sizes}}}."]
    problems = []
    for variant_id, spots in placeholders.items():
        if not isinstance(spots, dict):
            problems.append(f"The print areas of variant {variant_id} must be an object: {sizes}.")
            continue
        for position, spot in spots.items():
            if not (isinstance(spot, dict) and _is_size(spot.get("width")) and _is_size(spot.get("height"))):
                problems.append(
                    f"The “{position}” print area of variant {variant_id} needs a width and a height in pixels above 0."
                )
    return problems[:5] + ([f"…and {len(problems) - 5} more."] if len(problems) > 5 else [])


def _is_size(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 1


def _is_price(value) -> bool:
    # bool is an int in Python; the predecessor let `True` through as a price.
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def template_problems(template) -> list[str]:
    """Everything that would make Printify refuse (or us build nonsense from) this template; [] when usable."""
    problems = placeholders_problems(template.placeholders or {})
    if problems:
        return problems  # the checks below read the print areas
    variants = template.variants or []
    if not isinstance(variants, list) or not all(isinstance(v, dict) and "id" in v for v in variants):
        return ["Variants must be a list of objects with an id, title, price and is_enabled."]
    ids = [v["id"] for v in variants]
    duplicates = sorted({str(i) for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"Variants listed twice: {', '.join(duplicates)}.")
    enabled = enabled_variants(template)
    if not enabled:
        problems.append("No variant is enabled.")
    unpriced = [_variant_label(v) for v in enabled if not _is_price(v.get("price"))]
    if unpriced:
        problems.append(
            f"Enabled variants without a valid price: {', '.join(unpriced)}. Prices are whole numbers in the "
            "shop's minor units (2499 means 24.99)."
        )
    problems += _placement_problems(template, enabled)
    problems += text_template_problems(template)
    unknown_parts = sorted(set(template.publish_parts or {}) - set(PUBLISH_PARTS))
    if unknown_parts:
        problems.append(f"Unknown publish parts: {', '.join(unknown_parts)} (allowed: {', '.join(PUBLISH_PARTS)}).")
    return problems


def check_template(template) -> None:
    problems = template_problems(template)
    if problems:
        raise TemplateInvalid(template.name, problems)


def _variant_label(variant: dict) -> str:
    title = variant.get("title")
    return f"{variant['id']} ({title})" if title else str(variant["id"])


def _placement_problems(template, enabled: list[dict]) -> list[str]:
    placement = {**DEFAULT_PLACEMENT, **(template.placement or {})}
    problems = []
    if placement["mode"] not in PLACEMENT_MODES:
        problems.append(f"Placement mode must be “fixed”, “fit” or “fill”, not “{placement['mode']}”.")
    for key in ("x", "y", "scale"):
        if not isinstance(placement[key], (int, float)) or isinstance(placement[key], bool):
            problems.append(f"Placement {key} must be a number.")
    if isinstance(placement["scale"], (int, float)) and placement["scale"] <= 0:
        problems.append("Placement scale must be above 0.")
    if not isinstance(placement["angle"], int) or isinstance(placement["angle"], bool):
        problems.append("Placement angle must be whole degrees.")
    # The print area must cover every enabled variant (Printify error 8251). Our payload lists every enabled
    # variant in a print area by construction; what can still fail is a variant without this print position.
    if template.placeholders:
        uncovered = [_variant_label(v) for v in enabled if placeholder_size(template, v["id"]) is None]
        if uncovered:
            problems.append(
                f"The “{template.print_position}” print area does not cover these enabled variants (they have no "
                f"such placeholder in the catalog): {', '.join(uncovered)}."
            )
    elif placement["mode"] in ("fit", "fill"):
        label = placement["mode"].capitalize()
        problems.append(f"“{label}” placement needs the placeholder sizes from the catalog: fill the template from it.")
    return problems


# --- rendering ------------------------------------------------------------------------------------


class TextsInvalid(ValueError):
    """The texts rendered for a design cannot be sent to Printify; .problems lists why, in plain words."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The product cannot be sent to Printify: " + " ".join(problems))


@dataclass(frozen=True)
class ProductTexts:
    title: str
    description: str  # HTML
    tags: list[str]
    # Tags left out for the shop's limits (too long, past the most it takes, or a channel without tags such as
    # eBay), for the preview to show.
    dropped_tags: list[str] = field(default_factory=list)


def template_limits(template) -> listing.Limits:
    """The listing limits of the shop a template publishes to (designs/channels.py: its channel's, overridden by
    the shop's own settings); the listing settings' when there is no shop at all. Read once per template object."""
    cached = getattr(template, "_listing_limits", None)
    if cached is None:
        shop = shop_of(template)
        cached = channels.shop_limits(shop) if shop is not None else listing.limits()
        template._listing_limits = cached
    return cached


def render_texts(template, design) -> ProductTexts:
    """Title, description and tags for `design`: the title template dresses every title (render_title), the design's
    own description and tags win over the templates', and fallbacks give a design without prompt or description (an
    imported one) both required texts."""
    context = template_context(template, design_values(design))
    shop = template_limits(template)
    title = render_title(template, design, context)
    # One rule for the HTML description: the design's plain-text values are escaped, whether they come through
    # the template (autoescape) or directly (here); only HTML written into the template itself stays HTML.
    # Control, bidi and zero-width characters never reach Printify, whether stored before the cleaners knew them or
    # written into a template; titles and tags are plain text, so markup goes from them too.
    description = listing.strip_invisible(
        _plain_text_html(design.description)
        or _visible_or_empty(render(DESCRIPTION, template, context))
        or _plain_text_html(f"{title}, printed on demand." if title else "")
    )
    description = listing.with_disclosure(description)
    if design.tags:
        tags = [str(tag) for tag in design.tags]
    else:
        tags = render(TAGS, template, context).split(",")
    unique_tags = list(dict.fromkeys(tag for tag in map(listing.clean_title, tags) if tag))
    short_tags = [tag for tag in unique_tags if len(tag) <= shop.tag_max_chars]
    kept = short_tags[: shop.max_tags]
    return ProductTexts(
        title=title,
        description=description,
        tags=kept,
        dropped_tags=[tag for tag in unique_tags if tag not in kept],
    )


def render_title(template, design, context: dict | None = None) -> str:
    """The product title alone (what render_texts gives), cut to its shop's title limit: the title template applied
    to every design, {{ title }} being the design's own title (title_value), so "{{ title }} — Unisex Tee" adds the
    product words to each; a template that prints nothing leaves the title value, else the prompt."""
    title = title_value(template, design)
    context = {**(context or template_context(template, design_values(design))), "title": title}
    rendered = listing.clean_title(render(TITLE, template, context)) or title or listing.clean_title(design.prompt)
    return Truncator(rendered).chars(template_limits(template).title_max_chars)


def title_value(template, design) -> str:
    """What {{ title }} is in the title template: the design's own title, or its prompt where the template says the
    prompt is the title; "" for a design that has neither (refused for publishing: lacks_own_title)."""
    own = listing.clean_title(design.title)
    if not own and template.prompt_is_title:
        own = listing.clean_title(design.prompt)
    return own[:TEMPLATE_VALUE_MAX_CHARS]


def lacks_own_title(template, design) -> bool:
    """True when `design` would go live under its prompt (or nothing) as the title: it has no title of its own,
    and the template does not say that its designs' prompts are meant as titles."""
    return not listing.clean_title(design.title) and not (
        template.prompt_is_title and listing.clean_title(design.prompt)
    )


# How every "no title of its own" refusal starts (the command and the confirmation offer the way out).
UNTITLED_REASON = "it has no title of its own"


def untitled_problem(template) -> str:
    return (
        f"{UNTITLED_REASON} (its prompt or file name would be the product title): write its listing copy or type "
        f"a title; or, if the prompt is meant as the title, tick “The prompt is the title” on the template "
        f"“{template.name}”."
    )


def text_problems(texts: ProductTexts, shop: listing.Limits | None = None) -> list[str]:
    """Why Printify would refuse these texts (8150 for an empty one); [] when they can be sent."""
    problems = []
    max_chars = (shop or listing.limits()).description_max_chars
    if not texts.title:
        problems.append("The product has no title: give the design a title or a prompt.")
    if len(texts.description) > max_chars:
        problems.append(
            f"The description is {len(texts.description):,} characters long; at most {max_chars:,} "
            "are sent. Shorten the design's description or the description template."
        )
    elif not _has_visible_text(texts.description):
        problems.append("The product has no description: give the design a description.")
    return problems


def check_texts(template, design) -> ProductTexts:
    """The texts for `design`, or TextsInvalid: call it before the first request for the design."""
    if lacks_own_title(template, design):
        raise TextsInvalid([untitled_problem(template)])
    texts = render_texts(template, design)
    shop = template_limits(template)
    problems = text_problems(texts, shop)
    # The shop's sales channel refuses copy beyond its limits (the publish confirmation said so; the copy may have
    # changed since): said before any request, as the confirmation says it.
    refused = listing.publish_refusal(
        own_title=listing.clean_title(design.title),
        product_title=texts.title,
        tags=[str(tag) for tag in design.tags or []],
        shop=shop,
    )
    if refused:
        problems.append(refused[:1].upper() + refused[1:] + ".")
    if problems:
        raise TextsInvalid(problems)
    return texts


def _plain_text_html(text: str) -> str:
    """Plain text as HTML: escaped, its line breaks kept (what {{ value|linebreaksbr }} gives in a template)."""
    return str(defaultfilters.linebreaksbr(text.strip(), autoescape=True))


def _visible_or_empty(description_html: str) -> str:
    # Markup around an empty value ("<p></p>") is still an empty description.
    return description_html if _has_visible_text(description_html) else ""


def _has_visible_text(description_html: str) -> bool:
    if len(description_html) > listing.limits().description_max_chars:
        return True  # refused for its length anyway; not worth parsing
    return bool(html.unescape(strip_tags(description_html)).strip())


# --- placement and payload ------------------------------------------------------------------------


def placement_scale(image_size: tuple[int, int], placeholder: tuple[int, int], placement: dict) -> float:
    """The scale Printify gets for this image on this placeholder (the payload and the DPI check both use it).

    Printify's scale is the image's width as a fraction of the placeholder's width (printify-api.md §4), so
    scale 1 fills the width. "fit": the largest scale at which the whole image fits inside the placeholder (an image
    relatively taller than the placeholder shrinks until its height fits; the reference does not say how Printify
    treats one taller than the placeholder at scale 1, cropped or overflowing, so we never rely on it). "fill": the
    smallest scale at which the image covers the whole placeholder (what does not fit is cut off). "fixed": the
    template's own scale.
    """
    mode = placement.get("mode", "fixed")
    if mode not in ("fit", "fill"):
        return float(placement.get("scale") or 1.0)
    image_width, image_height = image_size
    width, height = placeholder
    if image_width <= 0 or image_height <= 0:
        raise ValueError("The image has no size.")
    # The image's aspect ratio against the placeholder's: above 1, the image is relatively wider.
    relative_width = (image_width / image_height) / (width / height)
    return round(min(1.0, relative_width) if mode == "fit" else max(1.0, relative_width), 4)


def print_areas(template, upload_id: str, image_size: tuple[int, int] | None) -> list[dict]:
    """One print area per placeholder size (sizes differ by garment size), together covering every enabled variant."""
    placement = {**DEFAULT_PLACEMENT, **(template.placement or {})}
    variant_ids = [v["id"] for v in enabled_variants(template)]
    if placement["mode"] in ("fit", "fill"):
        if not image_size:
            raise ValueError(f"“{placement['mode'].capitalize()}” placement needs the image's width and height.")
        groups: dict[tuple[int, int], list[int]] = {}
        for variant_id in variant_ids:
            groups.setdefault(placeholder_size(template, variant_id), []).append(variant_id)
        scaled = [(ids, placement_scale(image_size, size, placement)) for size, ids in groups.items()]
    else:
        scaled = [(variant_ids, float(placement["scale"]))]
    return [
        {
            "variant_ids": ids,
            "placeholders": [
                {
                    "position": template.print_position,
                    "images": [
                        {
                            "id": upload_id,
                            "x": float(placement["x"]),
                            "y": float(placement["y"]),
                            "scale": scale,
                            "angle": int(placement["angle"]),
                        }
                    ],
                }
            ],
        }
        for ids, scale in scaled
    ]


def build_product_payload(
    template, design, upload_id: str, image_size: tuple[int, int] | None = None, *, sku: str | None = None
) -> dict:
    """The body of POST /shops/{shop}/products.json for this design (call check_template first); TextsInvalid
    when a required text is empty. `sku` is the product's SKU prefix (default: the design and template's)."""
    sku = sku or sku_prefix(design.pk, template.pk)
    return {
        **listing_fields(template, design),
        "blueprint_id": template.blueprint_id,
        "print_provider_id": template.print_provider_id,
        # Only enabled variants are sent: Printify fills in the rest of the matrix as disabled (printify-api.md §4).
        "variants": [
            {"id": v["id"], "price": v["price"], "is_enabled": True, "sku": variant_sku(sku, v["id"])}
            for v in enabled_variants(template)
        ],
        "print_areas": print_areas(template, upload_id, image_size),
        # GPSR safety information (optional on create, printify-api.md §4): only sent when the template has it.
        **({"safety_information": template.safety_information} if template.safety_information else {}),
    }


LISTING_FIELDS = ("title", "description", "tags")


def listing_fields(template, design) -> dict:
    """The listing texts Printify gets for this design, as create sends them and a listing update sends them again
    (TextsInvalid when a required text is empty)."""
    texts = check_texts(template, design)
    return {"title": texts.title, "description": texts.description, "tags": texts.tags}


def product_matches(product: dict, prefix: str) -> bool:
    """True when a Printify product (as listed or read) carries this SKU marker: a variant SKU of the prefix
    followed by the variant id only (so "podsite-12-" does not match "podsite-12-t3-17390")."""
    for variant in product.get("variants") or []:
        sku = str(variant.get("sku") or "")
        if sku.startswith(prefix) and sku[len(prefix) :].isdigit():
            return True
    return False
