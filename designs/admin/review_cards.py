"""What the review page and compare mode know about each design card, as one dict.

The same dict fills the page's data attributes and the JSON the page's script receives (refills, undo), so a
card built by the script looks exactly like one the server rendered. Constant queries for any number of cards.

Print quality (designs/print_quality.py) is measured against the default product template, fetched once per call:
the DPI badge and its explanation, the "no transparency" flag; the large view shows a preview (shown_image_url)
and only the 100 % view loads the original (original_url).

Mockup mode's cards are products (mockup_cards): one per product waiting for its mockup review.
"""

from __future__ import annotations

from django.urls import reverse

from designs import print_quality, selectors
from designs.admin.display import price_range
from designs.admin.products import PRINTIFY_PRODUCT_URL, shown_mockups
from designs.listing_changes import enabled_variants_of
from designs.models import Design, Product
from designs.services.publishing import default_template
from designs.workflow import Status

NO_TEMPLATE = "No default product template: DPI cannot be measured."


def pixel_size(design: Design) -> str:
    """The stored image's pixel size ("4500 × 5400 px"): what a print needs, always shown while reviewing."""
    if design.image_width and design.image_height:
        return f"{design.image_width} × {design.image_height} px"
    return "size unknown"


def shown_image_url(design: Design) -> str:
    """The large view: the print file's preview when there is one (what will be printed), else the original's
    preview (at most images.PREVIEW_SIZE), else the original (small enough to be its own preview). Never the print
    file itself: it can be tens of megabytes."""
    for file in (design.print_preview, design.preview_file, design.image, design.thumbnail):
        if file:
            return file.url
    return ""


def cards(ids: list[int], *, mine=()) -> list[dict]:
    """A card per design of `ids` that exists, in that order: four queries however many there are.

    `mine`: the ids this reviewer has claimed; the others are shared (someone else holds them too).
    """
    designs = selectors.designs_in_order(ids)
    if not designs:
        return []
    duplicates = selectors.closest_duplicates([design.pk for design in designs])
    counts = selectors.variation_counts(design.prompt for design in designs)
    template = default_template()  # DPI is measured against it
    mine = set(mine)
    return [
        {
            **card(design, duplicates.get(design.pk), counts.get(design.prompt, 0), template=template),
            "mine": design.pk in mine,
        }
        for design in designs
    ]


def quality(design: Design, template) -> dict:
    """The print-quality part of a card: badge text ("" without a default template: no badge on the card), level,
    explanation, and whether the template needs transparency the file lacks."""
    readiness = print_quality.print_readiness(design, template)
    return {
        "dpi": readiness.badge_text() if template is not None else "",
        "dpi_level": readiness.level,
        "dpi_text": readiness.explanation() if template is not None else NO_TEMPLATE,
        "no_alpha": readiness.lacks_transparency,
        "print_template": template.name if template is not None else "",
    }


def card(design: Design, duplicate=None, variations: int = 0, *, template=None) -> dict:
    image_url = design.image.url if design.image else ""
    thumbnail_url = design.thumbnail.url if design.thumbnail else ""
    data = {
        "id": design.pk,
        "status": design.status,
        "status_label": design.get_status_display(),
        "title": design.title,
        "prompt": design.prompt,
        "batch": design.batch.name if design.batch_id and design.batch else "",
        "image_url": shown_image_url(design),
        "original_url": image_url or thumbnail_url,
        "thumbnail_url": thumbnail_url,
        "size": pixel_size(design),
        "width": design.image_width or 0,
        "height": design.image_height or 0,
        "change_url": reverse("admin:designs_design_change", args=[design.pk]),
        "variations": variations,
        "compare_url": reverse("admin:designs_design_review_compare") + f"?design={design.pk}"
        if variations > 1
        else "",
        "duplicate": None,
        **quality(design, template),
    }
    if duplicate is not None:
        other, distance = duplicate
        state = Status.PUBLISHED.label if getattr(other, "live", False) else other.get_status_display()
        data["duplicate"] = {
            "id": other.pk,
            "status_label": state,
            "thumbnail_url": other.thumbnail.url if other.thumbnail else "",
            "change_url": reverse("admin:designs_design_change", args=[other.pk]),
            "distance": distance,
            "text": f"Looks like #{other.pk} ({state.lower()})",
        }
    return data


def mockup_cards(product_ids, *, mine=()) -> list[dict]:
    """A card per product of `product_ids` still waiting for its mockup review, in that order.

    `mine`: the product ids this reviewer has claimed. One query however many there are.
    """
    mine = set(mine)
    return [
        {**mockup_card(product), "mine": product.pk in mine} for product in selectors.mockups_to_review(product_ids)
    ]


def mockup_card(product: Product) -> dict:
    design = product.design
    variants = enabled_variants_of(product)  # as sent to Printify (repricing keeps the snapshot's prices current)
    return {
        "id": product.pk,
        "design_id": design.pk,
        "status": product.state,
        "template": " · ".join(filter(None, [product.template_name or "Product", getattr(product.shop, "title", "")])),
        "title": design.title or design.prompt,
        "prompt": design.prompt,
        "price_range": price_range(variants),
        "variants": len(variants),
        "mockups": shown_mockups(product),
        "thumbnail_url": design.thumbnail.url if design.thumbnail else "",
        "design_url": reverse("admin:designs_design_change", args=[design.pk]),
        "product_url": reverse("admin:designs_product_change", args=[product.pk]),
        "printify_url": PRINTIFY_PRODUCT_URL.format(product_id=product.printify_id) if product.printify_id else "",
    }
