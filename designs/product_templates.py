"""Product templates: checking them, rendering their texts for a design, and building the exact Printify payload.

A template says which blueprint/provider/variants a design becomes, at which prices, where the image goes
and how title/description/tags are written. Everything here is pure (no HTTP): the publishing run and the
admin preview call the same build_product_payload(), so the preview shows exactly what will be sent.

One job, one file (past 500 lines on purpose): what a Printify product is made from. The payload is built from the
checks, the safe text rendering, the print areas and the SKU markers together; the snapshot a run keeps is the same
set of fields, and listing_fields (what a listing update sends) is the payload's text part. The preview, the run and
the update must agree exactly; split apart, the rules of one payload would live in several places.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from types import MappingProxyType

from django.template import (
    Context,
    Engine,
    Library,
    TemplateSyntaxError,
    VariableDoesNotExist,
    defaultfilters,
    defaulttags,
)
from django.template.base import Lexer, TokenType, filter_re
from django.utils.html import strip_tags
from django.utils.text import Truncator

from designs import listing

# The parts POST …/publish.json accepts (printify-api.md §4 "Publishing").
PUBLISH_PARTS = ("title", "description", "images", "variants", "tags", "keyFeatures", "shipping_template")
DEFAULT_PUBLISH_PARTS = {"title": True, "description": True, "images": True, "variants": True, "tags": True}
PLACEMENT_MODES = ("fixed", "fit", "fill")  # fill: cover the whole print area (edges may be cut)
DEFAULT_PLACEMENT = {"mode": "fixed", "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0}

# Listing limits (title, tags, description) are the shop's settings, read through designs/listing.py: Printify's
# own reference gives no length limits for these texts (printify-api.md §4). Printify adds about 17 blueprint
# tags of its own on create (§4); how it fits them into Etsy's 13 is not documented.
# Every value a template can print is cut to this, so even an allowed template repeating values in all of its
# source stays at a few MB of output before the limits above apply.
TEMPLATE_VALUE_MAX_CHARS = 5_000

# Staff write the text templates in Django's template language, limited to tags and filters whose output stays
# about as long as the values they print: no loops ({% for %}, {% cycle %}), no generated text ({% lorem %}),
# no padding to a chosen width (ljust, center, stringformat), no repeating (join; add, which with
# {% firstof … as %} could double a value per step), nothing that reads other data ({% include %}, {% load %},
# {% url %}, {% debug %}) and nothing that turns escaping off ({% autoescape %}, safe), so every design value put
# into the HTML description is escaped. Conditions, fallbacks, case, truncation and line breaks are what a
# title or description needs; the names are flat already, so {% with %} is not needed either.
ALLOWED_TEMPLATE_TAGS = ("if", "firstof", "filter", "comment", "spaceless")
_BRANCH_TAGS = {"elif", "else"}
ALLOWED_TEMPLATE_FILTERS = (
    "capfirst",
    "cut",
    "default",
    "default_if_none",
    "first",
    "last",
    "length",
    "linebreaks",
    "linebreaksbr",
    "lower",
    "pluralize",
    "slice",
    "slugify",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "wordcount",
    "yesno",
)
TEMPLATE_NAMES_HELP = (
    "Templates can use design.title, design.prompt, design.style, design.description, design.batch, design.tags "
    "(comma-separated) and design.id, each also without “design.”, and template.name, template.blueprint_id, "
    "template.print_provider_id and template.print_position."
)

_STAFF_LIBRARY = Library()
for _name in ALLOWED_TEMPLATE_TAGS:
    _STAFF_LIBRARY.tag(_name, defaulttags.register.tags[_name])
for _name in ALLOWED_TEMPLATE_FILTERS:
    _STAFF_LIBRARY.filter(_name, defaultfilters.register.filters[_name])


class _StaffTemplateEngine(Engine):
    """Django's template engine knowing only the allowed tags and filters (the public `builtins` argument can only
    add to Django's defaults, not replace them)."""

    def get_template_builtins(self, builtins):
        return [_STAFF_LIBRARY]


# No loaders, so nothing can be included. Titles and tags are plain text; the description is HTML, so the values
# put into it are escaped.
_TEXT_ENGINE = _StaffTemplateEngine(loaders=[], autoescape=False)
_HTML_ENGINE = _StaffTemplateEngine(loaders=[], autoescape=True)
# Checking prints a marker for each name the context does not have, so a template still written against the
# model (design.batch.name, design.created_by…) is named instead of silently printing nothing.
_UNKNOWN_NAME_MARK = "\x00%s\x00"
_UNKNOWN_NAME = re.compile("\x00(.*?)\x00")
_CHECK_ENGINE = _StaffTemplateEngine(loaders=[], autoescape=False, string_if_invalid=_UNKNOWN_NAME_MARK)


@dataclass(frozen=True)
class _TextTemplate:
    label: str
    field: str
    engine: Engine
    max_chars: int


# Source limits: the title and tags fields hold 500 characters; a description template needs no more than a page.
_TITLE = _TextTemplate("title", "title_template", _TEXT_ENGINE, 500)
_DESCRIPTION = _TextTemplate("description", "description_template", _HTML_ENGINE, 5_000)
_TAGS = _TextTemplate("tags", "tags_template", _TEXT_ENGINE, 500)

# Checking renders over these: the same names and kinds of values as a real design, so whatever renders here
# renders for every design.
_SAMPLE_DESIGN_VALUES = {
    "id": 1,
    "pk": 1,
    "title": "Sample title",
    "prompt": "sample prompt",
    "style": "sample style",
    "description": "Sample description",
    "batch": "Sample batch",
    "tags": "sample, tags",
}


class TemplateInvalid(ValueError):
    """The template cannot produce a product Printify would accept; .problems lists why, in plain words."""

    def __init__(self, template_name: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"Product template “{template_name}” cannot be used: " + " ".join(problems))


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
    return {"id": template.pk, **{name: getattr(template, name) for name in SNAPSHOT_FIELDS}}


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
    return ProductTemplate(pk=snapshot.get("id"), **values)


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


def _is_price(value) -> bool:
    # bool is an int in Python; the predecessor let `True` through as a price.
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def template_problems(template) -> list[str]:
    """Everything that would make Printify refuse (or us build nonsense from) this template; [] when usable."""
    problems = []
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
    problems += _text_template_problems(template)
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


def _text_template_problems(template) -> list[str]:
    """Check each text template and render it over sample values, so errors show when saving, not publishing."""
    context = _context(template, _SAMPLE_DESIGN_VALUES)
    problems = []
    for text_template in (_TITLE, _DESCRIPTION, _TAGS):
        label, source = text_template.label, getattr(template, text_template.field) or ""
        if len(source) > text_template.max_chars:
            problems.append(_too_long(text_template, source))
            continue
        forbidden = _forbidden_syntax(label, source)
        if forbidden:
            problems += forbidden
            continue
        try:
            compiled = _CHECK_ENGINE.from_string(source)
        except TemplateSyntaxError as error:
            problems.append(f"The {label} template has a syntax error: {error}.")
            continue
        try:
            output = compiled.render(Context(context))
        except VariableDoesNotExist as error:
            problems.append(
                f"The {label} template uses “{error.params[0]}”, which it cannot read. {TEMPLATE_NAMES_HELP}"
            )
            continue
        except Exception as error:  # staff-written: any failure is a problem with the template, shown on the form
            problems.append(f"The {label} template cannot be rendered: {error}.")
            continue
        unknown = sorted(set(_UNKNOWN_NAME.findall(output)))
        if unknown:
            problems.append(
                f"The {label} template uses {', '.join(unknown)}, which it cannot read (it would print nothing). "
                + TEMPLATE_NAMES_HELP
            )
    return problems


def _too_long(text_template: _TextTemplate, source: str) -> str:
    return (
        f"The {text_template.label} template is {len(source):,} characters long; "
        f"at most {text_template.max_chars:,} are allowed."
    )


def _forbidden_syntax(label: str, source: str) -> list[str]:
    """Name the tags and filters outside the allowed ones (the engine refuses them too, but less clearly)."""
    tags, filters = set(), set()
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.VAR:
            expressions = [token.contents]
        elif token.token_type == TokenType.BLOCK:
            tag, *expressions = token.split_contents() or [""]
            if tag:  # an empty {% %} is the engine's syntax error
                tags.add(tag)
            if tag == "filter":  # {% filter upper|lower %} is a chain of filters without a value
                expressions = [f"value|{expression}" for expression in expressions]
        else:
            continue
        for expression in expressions:
            filters.update(match["filter_name"] for match in filter_re.finditer(expression) if match["filter_name"])
    problems = []
    # An end… tag closes an opening tag, and that one is named (a stray one is the engine's syntax error).
    bad_tags = sorted(tag for tag in tags - set(ALLOWED_TEMPLATE_TAGS) - _BRANCH_TAGS if not tag.startswith("end"))
    if bad_tags:
        problems.append(
            f"The {label} template uses {', '.join('{% ' + tag + ' %}' for tag in bad_tags)}; product templates may "
            f"only use the tags {', '.join(ALLOWED_TEMPLATE_TAGS)} (no loops, includes or other tags)."
        )
    bad_filters = sorted(filters - set(ALLOWED_TEMPLATE_FILTERS))
    if bad_filters:
        problems.append(
            f"The {label} template uses the filters {', '.join(bad_filters)}; product templates may only use "
            f"{', '.join(ALLOWED_TEMPLATE_FILTERS)}."
        )
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
    # Tags left out for Etsy's limits (too long, or past the 13th), for the preview to show.
    dropped_tags: list[str] = field(default_factory=list)


def render_texts(template, design) -> ProductTexts:
    """Title, description and tags for `design`: the design's own values win, the template renders the rest, and
    fallbacks give a design without prompt or description (an imported one) both required texts."""
    context = _context(template, _design_values(design))
    shop = listing.limits()
    title = render_title(template, design, context)
    # One rule for the HTML description: the design's plain-text values are escaped, whether they come through
    # the template (autoescape) or directly (here); only HTML written into the template itself stays HTML.
    description = listing.with_disclosure(
        _plain_text_html(design.description)
        or _visible_or_empty(_render(_DESCRIPTION, template, context))
        or _plain_text_html(f"{title}, printed on demand." if title else "")
    )
    if design.tags:
        tags = [str(tag) for tag in design.tags]
    else:
        tags = _render(_TAGS, template, context).split(",")
    unique_tags = list(dict.fromkeys(_one_line(tag) for tag in tags if tag.strip()))
    short_tags = [tag for tag in unique_tags if len(tag) <= shop.tag_max_chars]
    kept = short_tags[: shop.max_tags]
    return ProductTexts(
        title=title,
        description=description,
        tags=kept,
        dropped_tags=[tag for tag in unique_tags if tag not in kept],
    )


def render_title(template, design, context: dict | None = None) -> str:
    """The product title alone (what render_texts gives): the design's own title, else the template's, else the
    prompt, cut to the shop's title limit. Cheap when the design has a title (nothing is rendered)."""
    title = _one_line(design.title)
    if not title:
        context = context or _context(template, _design_values(design))
        title = _one_line(_render(_TITLE, template, context)) or _one_line(design.prompt)
    return Truncator(title).chars(listing.limits().title_max_chars)


def lacks_own_title(template, design) -> bool:
    """True when `design` would go live under its prompt (or nothing) as the title: it has no title of its own,
    and the template does not say that its designs' prompts are meant as titles."""
    return not _one_line(design.title) and not (template.prompt_is_title and _one_line(design.prompt))


# How every "no title of its own" refusal starts (the command and the confirmation offer the way out).
UNTITLED_REASON = "it has no title of its own"


def untitled_problem(template) -> str:
    return (
        f"{UNTITLED_REASON} (its prompt or file name would be the product title): write its listing copy or type "
        f"a title; or, if the prompt is meant as the title, tick “The prompt is the title” on the template "
        f"“{template.name}”."
    )


def text_problems(texts: ProductTexts) -> list[str]:
    """Why Printify would refuse these texts (8150 for an empty one); [] when they can be sent."""
    problems = []
    max_chars = listing.limits().description_max_chars
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
    problems = text_problems(texts)
    if problems:
        raise TextsInvalid(problems)
    return texts


def _design_values(design) -> dict:
    values = {
        "id": design.pk,
        "pk": design.pk,  # templates written against the model used design.pk
        "title": design.title,
        "prompt": design.prompt,
        "style": design.style,
        "description": design.description,
        "batch": design.batch.name if design.batch_id else "",
        "tags": ", ".join(str(tag) for tag in design.tags or []),
    }
    return {
        name: value[:TEMPLATE_VALUE_MAX_CHARS] if isinstance(value, str) else value for name, value in values.items()
    }


def _context(template, design_values: dict) -> dict:
    """Plain values only: a template must not reach a model (design.created_by.password, tokens) or anything
    that queries. Read-only mappings, because the template language calls methods without arguments
    (design.clear would empty a dict)."""
    template_values = {
        "name": template.name,
        "blueprint_id": template.blueprint_id,
        "print_provider_id": template.print_provider_id,
        "print_position": template.print_position,
    }
    return {
        **design_values,
        "design": MappingProxyType(design_values),
        "template": MappingProxyType(template_values),
    }


def _render(text_template: _TextTemplate, template, context: dict) -> str:
    source = getattr(template, text_template.field) or ""
    if len(source) > text_template.max_chars:
        raise TemplateInvalid(template.name, [_too_long(text_template, source)])
    engine = text_template.engine
    return _compiled(text_template, source).render(Context(context, autoescape=engine.autoescape)).strip()


@functools.lru_cache(maxsize=128)
def _compiled(text_template: _TextTemplate, source: str):
    """Compiling is most of a render's cost; a publish of thousands renders the same few template sources."""
    return text_template.engine.from_string(source)


def _one_line(text: str) -> str:
    return " ".join(text.split())


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


def fit_scale(image_size: tuple[int, int], placeholder: tuple[int, int]) -> float:
    """Largest scale at which the whole image fits inside the placeholder.

    Printify's scale is the image's width as a fraction of the placeholder's width (printify-api.md §4), so
    scale 1 fills the width; an image relatively taller than the placeholder must shrink until its height fits.
    The reference does not say how Printify treats an image taller than the placeholder at scale 1 (cropped or
    overflowing): we never rely on it.
    """
    image_width, image_height = image_size
    width, height = placeholder
    if image_width <= 0 or image_height <= 0:
        raise ValueError("The image has no size.")
    return round(min(1.0, (image_width / image_height) / (width / height)), 4)


def fill_scale(image_size: tuple[int, int], placeholder: tuple[int, int]) -> float:
    """Smallest scale at which the image covers the whole placeholder (what does not fit is cut off)."""
    image_width, image_height = image_size
    width, height = placeholder
    if image_width <= 0 or image_height <= 0:
        raise ValueError("The image has no size.")
    return round(max(1.0, (height / width) / (image_height / image_width)), 4)


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
        scale_for = fit_scale if placement["mode"] == "fit" else fill_scale
        scaled = [(ids, scale_for(image_size, size)) for size, ids in groups.items()]
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


# --- templates from Printify data -----------------------------------------------------------------


def placeholders_from_catalog(catalog_variants: list[dict]) -> dict:
    """{variant id: {position: {width, height}}} from a provider's variants.json, for coverage checks and "fit"."""
    return {
        str(v["id"]): {
            p["position"]: {"width": p["width"], "height": p["height"]}
            for p in v.get("placeholders") or []
            if p.get("width") and p.get("height")
        }
        for v in catalog_variants
    }


def template_fields_from_product(product: dict) -> dict:
    """Template field values copied from an existing Printify product: blueprint, provider, enabled variants with
    their prices, print position and placement of the first image, and tags."""
    variants = [
        {"id": v["id"], "title": v.get("title", ""), "price": v.get("price"), "is_enabled": True}
        for v in product.get("variants") or []
        if v.get("is_enabled")
    ]
    position, placement = "front", dict(DEFAULT_PLACEMENT)
    for area in product.get("print_areas") or []:
        placed = [p for p in area.get("placeholders") or [] if p.get("images")]
        if placed:
            image = placed[0]["images"][0]
            position = placed[0].get("position", position)
            placement = {
                "mode": "fixed",
                "x": image.get("x", 0.5),
                "y": image.get("y", 0.5),
                "scale": image.get("scale", 1.0),
                "angle": int(image.get("angle", 0)),
            }
            break
    return {
        "blueprint_id": product["blueprint_id"],
        "print_provider_id": product["print_provider_id"],
        "variants": variants,
        "print_position": position,
        "placement": placement,
        "tags_template": ", ".join(str(tag) for tag in product.get("tags") or []),
        "safety_information": str(product.get("safety_information") or ""),
        "source_product_id": str(product.get("id", "")),
    }
