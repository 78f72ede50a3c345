"""Product templates: checking them, rendering their texts for a design, and building the exact Printify payload.

A template says which blueprint/provider/variants a design becomes, at which prices, where the image goes
and how title/description/tags are written. Everything here is pure (no HTTP): the publishing run and the
admin preview call the same build_product_payload(), so the preview shows exactly what will be sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError

# The parts POST …/publish.json accepts (printify-api.md §4 "Publishing").
PUBLISH_PARTS = ("title", "description", "images", "variants", "tags", "keyFeatures", "shipping_template")
DEFAULT_PUBLISH_PARTS = {"title": True, "description": True, "images": True, "variants": True, "tags": True}
PLACEMENT_MODES = ("fixed", "fit")
DEFAULT_PLACEMENT = {"mode": "fixed", "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0}

# Staff write these templates; they get the built-in tags and filters only (no loaders: no {% include %}).
# Titles and tags are plain text; the description is HTML, so values put into it are escaped.
_TEXT_ENGINE = Engine(loaders=[], autoescape=False)
_HTML_ENGINE = Engine(loaders=[], autoescape=True)


class TemplateInvalid(ValueError):
    """The template cannot produce a product Printify would accept; .problems lists why, in plain words."""

    def __init__(self, template_name: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"Product template “{template_name}” cannot be used: " + " ".join(problems))


def sku_prefix(design_id: int) -> str:
    """Every variant SKU of a design's product starts with this, so a product can be found again by design."""
    return f"podsite-{design_id}-"


def variant_sku(design_id: int, variant_id: int) -> str:
    return f"{sku_prefix(design_id)}{variant_id}"


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
        problems.append(f"Placement mode must be “fixed” or “fit”, not “{placement['mode']}”.")
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
    elif placement["mode"] == "fit":
        problems.append("“Fit” placement needs the placeholder sizes from the catalog: fill the template from it.")
    return problems


def _text_template_problems(template) -> list[str]:
    """Compile each text template and render it over a blank design, so errors show when saving, not publishing."""
    from designs.models import Design

    sample = _context(Design(prompt="sample prompt"))
    problems = []
    for label, engine, source in (
        ("title", _TEXT_ENGINE, template.title_template),
        ("description", _HTML_ENGINE, template.description_template),
        ("tags", _TEXT_ENGINE, template.tags_template),
    ):
        try:
            _render(engine, source, sample)
        except TemplateSyntaxError as error:
            problems.append(f"The {label} template has a syntax error: {error}.")
        except TemplateDoesNotExist:
            problems.append(f"The {label} template includes another template; only tags and filters are allowed.")
    return problems


# --- rendering ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductTexts:
    title: str
    description: str
    tags: list[str]


def render_texts(template, design) -> ProductTexts:
    """Title, description and tags for `design`: the design's own values win, the template renders the rest."""
    context = _context(design)
    title = design.title.strip() or _render(_TEXT_ENGINE, template.title_template, context)
    description = design.description.strip() or _render(_HTML_ENGINE, template.description_template, context)
    if design.tags:
        tags = [str(tag) for tag in design.tags]
    else:
        tags = _render(_TEXT_ENGINE, template.tags_template, context).split(",")
    unique_tags = list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
    return ProductTexts(title=" ".join(title.split()), description=description.strip(), tags=unique_tags)


def _context(design) -> dict:
    return {
        "design": design,
        "prompt": design.prompt,
        "title": design.title,
        "style": design.style,
        "batch": design.batch.name if design.batch_id else "",
        "id": design.pk,
    }


def _render(engine: Engine, source: str, context: dict) -> str:
    return engine.from_string(source or "").render(Context(context, autoescape=engine.autoescape))


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


def print_areas(template, upload_id: str, image_size: tuple[int, int] | None) -> list[dict]:
    """One print area per placeholder size (sizes differ by garment size), together covering every enabled variant."""
    placement = {**DEFAULT_PLACEMENT, **(template.placement or {})}
    variant_ids = [v["id"] for v in enabled_variants(template)]
    if placement["mode"] == "fit":
        if not image_size:
            raise ValueError("“Fit” placement needs the image's width and height.")
        groups: dict[tuple[int, int], list[int]] = {}
        for variant_id in variant_ids:
            groups.setdefault(placeholder_size(template, variant_id), []).append(variant_id)
        scaled = [(ids, fit_scale(image_size, size)) for size, ids in groups.items()]
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


def build_product_payload(template, design, upload_id: str, image_size: tuple[int, int] | None = None) -> dict:
    """The body of POST /shops/{shop}/products.json for this design (call check_template first)."""
    texts = render_texts(template, design)
    return {
        "title": texts.title,
        "description": texts.description,
        "tags": texts.tags,
        "blueprint_id": template.blueprint_id,
        "print_provider_id": template.print_provider_id,
        # Only enabled variants are sent: Printify fills in the rest of the matrix as disabled (printify-api.md §4).
        "variants": [
            {"id": v["id"], "price": v["price"], "is_enabled": True, "sku": variant_sku(design.pk, v["id"])}
            for v in enabled_variants(template)
        ],
        "print_areas": print_areas(template, upload_id, image_size),
    }


def product_matches_design(product: dict, design_id: int) -> bool:
    """True when a Printify product (as listed or read) was created for this design (its SKU marker)."""
    prefix = sku_prefix(design_id)
    return any(str(v.get("sku") or "").startswith(prefix) for v in product.get("variants") or [])


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
        "source_product_id": str(product.get("id", "")),
    }
