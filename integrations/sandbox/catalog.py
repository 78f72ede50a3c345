"""The sandbox's small Printify catalog.

REAL (from shared/reference/printify-api.md §6, i.e. Printify's docs):
  - blueprint 3 "Kids Regular Fit Tee" (Delta 11736) with provider 3 "The Dream Junction";
    variants 17390 Heather Grey / XS and 17426 Solid Black / XS, placeholders front/back 3153×3995;
    L / XL / 2XL variants have 4500×5700 placeholders.
  - blueprint 384 "Square Stickers" with provider 1 "SPOKE Custom Products"; variants 45740/45742/45744/45746 =
    2x2"/3x3"/4x4"/6x6" White costing 134/149/187/216 cents.
INVENTED fillers (marked `# invented` below): the ids of the L/XL/2XL tee variants, every tee cost, the sticker
placeholder sizes (300 dpi), descriptions, images and tags. Real ids must be resolved at runtime against the
real catalog; never copy these into production configuration.
"""

from __future__ import annotations

TEE_XS = (3153, 3995)
TEE_LARGE = (4500, 5700)

BLUEPRINTS = {
    3: {
        "id": 3,
        "title": "Kids Regular Fit Tee",
        "description": "Soft, regular fit tee for kids.",  # invented
        "brand": "Delta",
        "model": "11736",
        "images": ["https://images.printify.com/sandbox/blueprint-3.png"],  # invented
        "tags": ["Kids' Clothing", "T-shirts", "DTG"],  # invented
        "features": [],
        "care_instructions": [],
    },
    384: {
        "id": 384,
        "title": "Square Stickers",
        "description": "Durable vinyl square stickers.",  # invented
        "brand": "Generic brand",  # invented
        "model": "Square Stickers",
        "images": ["https://images.printify.com/sandbox/blueprint-384.png"],  # invented
        "tags": ["Accessories", "Stickers", "Paper products"],  # invented
        "features": [],
        "care_instructions": [],
    },
}

PROVIDERS = {
    1: {"id": 1, "title": "SPOKE Custom Products"},
    3: {"id": 3, "title": "The Dream Junction"},
}


def _variant(variant_id, colour, size, cost, placeholder, positions=("front",), decoration="dtg"):
    width, height = placeholder
    return {
        "id": variant_id,
        "title": f"{colour} / {size}",
        "options": {"color": colour, "size": size},
        "placeholders": [
            {"position": position, "decoration_method": decoration, "width": width, "height": height}
            for position in positions
        ],
        "decoration_methods": [decoration],
        "cost": cost,
        "grams": 120,  # invented
    }


# (blueprint_id, provider_id) -> variants
VARIANTS = {
    (3, 3): [
        _variant(17390, "Heather Grey", "XS", 980, TEE_XS, ("front", "back")),  # id real, cost invented
        _variant(17426, "Solid Black", "XS", 980, TEE_XS, ("front", "back")),  # id real, cost invented
        _variant(17393, "Heather Grey", "L", 1090, TEE_LARGE, ("front", "back")),  # invented id
        _variant(17394, "Heather Grey", "XL", 1090, TEE_LARGE, ("front", "back")),  # invented id
        _variant(17429, "Solid Black", "L", 1090, TEE_LARGE, ("front", "back")),  # invented id
        _variant(17430, "Solid Black", "XL", 1090, TEE_LARGE, ("front", "back")),  # invented id
        _variant(17431, "Solid Black", "2XL", 1240, TEE_LARGE, ("front", "back")),  # invented id
    ],
    (384, 1): [
        _variant(45740, "White", '2" × 2"', 134, (600, 600), decoration="sticker"),  # sizes invented
        _variant(45742, "White", '3" × 3"', 149, (900, 900), decoration="sticker"),
        _variant(45744, "White", '4" × 4"', 187, (1200, 1200), decoration="sticker"),
        _variant(45746, "White", '6" × 6"', 216, (1800, 1800), decoration="sticker"),
    ],
}


def providers_for(blueprint_id: int) -> list[dict]:
    return [PROVIDERS[provider] for blueprint, provider in VARIANTS if blueprint == blueprint_id]


def variants_for(blueprint_id: int, provider_id: int) -> list[dict] | None:
    return VARIANTS.get((blueprint_id, provider_id))


def public_variant(variant: dict) -> dict:
    """The variants.json shape: cost and weight are only visible on products."""
    return {key: value for key, value in variant.items() if key not in ("cost", "grams")}
