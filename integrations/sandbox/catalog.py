"""The sandbox's Printify catalog, as data: blueprints, print providers, what each provider offers (variants with
costs, stock and print areas), product option values and shipping. printify_fake.py serves it in the shapes of
shared/reference/printify-api.md §2 and §4.

REAL, i.e. from the reference (Printify's docs, "D", and live measurements, "M"):
  - blueprints 3 "Kids Regular Fit Tee" (Delta 11736), 6 "Unisex Heavy Cotton Tee" (Gildan 5000), 68 "Mug 11oz",
    384 "Square Stickers"; providers 1 SPOKE Custom Products, 3 The Dream Junction, 7 Prodigi, 29 Monster Digital.
  - blueprint 3 / provider 3: variants 17390 Heather Grey / XS and 17426 Solid Black / XS with front/back
    placeholders of 3153×3995; L, XL and 2XL variants have 4500×5700.
  - blueprint 384 / provider 1: variants 45740/45742/45744/45746 (2x2" … 6x6" White) costing 134/149/187/216.
  - provider 29's placeholders grow with the garment size (3461×3955 for S, 4200×4800 for 3XL, measured on
    blueprint 706); the sizes between are interpolated (invented).
FROM PRINTIFY'S PRODUCT EXAMPLES (as quoted in PrintiPy's tests, not in the reference):
  - mug 68 made by provider 9 ("WPaPS" in the same fixtures), variant 33719 "11oz" costing 516 cents, 460 g,
    option value 1189; its blueprint tags.
  - the sticker option values 2017–2020 (2x2" … 6x6") and 2114 (White surface), 10 g, variant titles such as
    `2x2" / White` (size first), and option names "Colors" / "Sizes" / "Type".
SEEN IN THIRD-PARTY CODE ONLY: blueprint 77 = Gildan 18500 hoodie; provider 99 = "Printify Choice" (the reference
calls that unverified), offering blueprints 6 and 77.
INVENTED (marked where they are defined): the poster and tote blueprints (ids from 90001, so that no real id is
shadowed), the providers 90011–90013 (names and ids made up, for a comparison across countries), every other
variant id, cost, weight, stock gap, print-area size, option value id and colour code, the provider locations,
descriptions, pictures (drawn by the sandbox itself, images.render_blueprint_picture, and served at
/_sandbox/blueprints/…; real ones are on Printify's CDN) and shipping rates, per method too. Real ids must be
resolved at runtime against the real catalog; never copy these into production configuration.

Past 400 lines on purpose: it is data (the catalog's rows), not logic; one table per kind, read by printify_fake.py.
"""

from __future__ import annotations

# Where the sandbox serves a blueprint's pictures, below its own URL (printify_fake.py makes them absolute): real
# blueprints list CDN URLs (images.printify.com); these are small PNGs the sandbox draws.
PICTURE_PATH = "/_sandbox/blueprints/{}/{}.png"
# What each blueprint's pictures show: the kind of product and the colour of each picture (front, then back).
PICTURES = {
    3: ("tee", ["#C9C9C9", "#111111"]),
    6: ("tee", ["#FFFFFF", "#1F2A44"]),
    77: ("hoodie", ["#B4B6B8", "#000000"]),
    68: ("mug", ["#FFFFFF", "#FFFFFF"]),
    384: ("sticker", ["#FFFFFF"]),
    90001: ("poster", ["#F4F1EA"]),
    90002: ("tote", ["#EDE6D6", "#000000"]),
}


def _blueprint(blueprint_id: int, title: str, brand: str, model: str, *, description: str, tags: list) -> dict:
    return {
        "id": blueprint_id,
        "title": title,
        "description": description,
        "brand": brand,
        "model": model,
        "images": [PICTURE_PATH.format(blueprint_id, n) for n in range(len(PICTURES[blueprint_id][1]))],
        "tags": tags,
        "features": [],  # the reference names these lists but not the shape of their entries
        "care_instructions": [],
    }


# Descriptions are invented; tags too, except where noted.
BLUEPRINTS = {
    blueprint["id"]: blueprint
    for blueprint in (
        _blueprint(
            3,
            "Kids Regular Fit Tee",
            "Delta",
            "11736",
            description="Soft, regular fit tee for kids.",
            tags=["Kids' Clothing", "T-shirts", "DTG"],
        ),
        _blueprint(
            6,
            "Unisex Heavy Cotton Tee",
            "Gildan",
            "5000",
            description="Classic heavy cotton tee, the everyday staple.",
            tags=["Men's Clothing", "Women's Clothing", "T-shirts", "DTG"],
        ),
        _blueprint(
            77,
            "Unisex Heavy Blend™ Hooded Sweatshirt",
            "Gildan",
            "18500",
            description="Cosy hoodie with a kangaroo pocket.",
            tags=["Men's Clothing", "Women's Clothing", "Hoodies", "DTG"],
        ),
        _blueprint(
            68,
            "Mug 11oz",
            "Generic brand",  # brand and model invented
            "Mug 11oz",
            description="Classic white ceramic mug for coffee, tea and hot chocolate.",
            tags=["Home & Living", "Mugs", "11 oz", "White base", "Sublimation"],  # from the product example
        ),
        _blueprint(
            384,
            "Square Stickers",
            "Generic brand",  # brand and model invented
            "Square Stickers",
            description="Durable vinyl square stickers.",
            tags=["Home & Living", "Stickers"],  # from the product example
        ),
        _blueprint(
            90001,  # invented blueprint
            "Matte Vertical Posters",
            "Generic brand",
            "Posters",
            description="Museum-grade matte paper.",
            tags=["Home & Living", "Posters", "Paper products"],
        ),
        _blueprint(
            90002,  # invented blueprint
            "Tote Bag",
            "Generic brand",
            "Tote",
            description="Sturdy cotton canvas tote.",
            tags=["Accessories", "Bags"],
        ),
    )
}


def _location(address1, city, region, zip_code, country):
    # Shape from PrintiPy's fixtures ({address1, address2, city, country, region, zip}); every address is invented.
    return {"address1": address1, "address2": None, "city": city, "country": country, "region": region, "zip": zip_code}


PROVIDERS = {
    1: {
        "id": 1,
        "title": "SPOKE Custom Products",
        "location": _location("1 Sample Way", "Brooklyn", "NY", "11221", "US"),
    },
    3: {"id": 3, "title": "The Dream Junction", "location": _location("2 Sample Way", "Dallas", "TX", "75201", "US")},
    7: {"id": 7, "title": "Prodigi", "location": _location("3 Sample Street", "London", "England", "E1 6AN", "GB")},
    9: {"id": 9, "title": "WPaPS", "location": _location("4 Sample Way", "Phoenix", "AZ", "85001", "US")},
    29: {"id": 29, "title": "Monster Digital", "location": _location("5 Sample Way", "Irvine", "CA", "92602", "US")},
    99: {"id": 99, "title": "Printify Choice", "location": _location("6 Sample Way", "Chicago", "IL", "60601", "US")},
    # Invented providers (ids from 90011): one in Germany, one in Canada, one in Latvia, so that the comparison of
    # providers has distances, currencies of shipping and a rest-of-the-world-only rate to show.
    90011: {
        "id": 90011,
        "title": "Rhine Textile Print",
        "location": _location("7 Beispielstraße", "Cologne", "North Rhine-Westphalia", "50667", "DE"),
    },
    90012: {
        "id": 90012,
        "title": "Maple Leaf Prints",
        "location": _location("8 Sample Ave", "Toronto", "ON", "M5V 2T6", "CA"),
    },
    90013: {
        "id": 90013,
        "title": "Baltic Print House",
        "location": _location("9 Parauga iela", "Riga", "", "LV-1050", "LV"),
    },
}

# Product answers list each option as {"name", "type", "values": [{"id", "title"}]} and each variant refers to its
# values by id. The sticker example names its size option "Size"; the mug example "Sizes".
OPTION_NAMES = {"color": "Colors", "size": "Sizes", "surface": "Type"}

# Option value ids (invented unless noted). Colour values also carry "colors": [hex], as recalled from Printify's
# product answers (the reference does not show it, so podsite must not depend on it); mockups are painted in it.
OPTION_VALUES = {
    "color": {
        "White": {"id": 521, "colors": ["#FFFFFF"]},
        "Black": {"id": 418, "colors": ["#000000"]},
        "Navy": {"id": 511, "colors": ["#1F2A44"]},
        "Sport Grey": {"id": 423, "colors": ["#B4B6B8"]},
        "Dark Heather": {"id": 362, "colors": ["#454545"]},
        "Heather Grey": {"id": 1147, "colors": ["#C9C9C9"]},
        "Solid Black": {"id": 1148, "colors": ["#111111"]},
        "Natural": {"id": 1061, "colors": ["#EDE6D6"]},
    },
    "size": {
        "XS": {"id": 13},
        "S": {"id": 14},
        "M": {"id": 15},
        "L": {"id": 16},
        "XL": {"id": 17},
        "2XL": {"id": 18},
        "3XL": {"id": 19},
        "11oz": {"id": 1189},  # real (mug example)
        '2x2"': {"id": 2017},  # real, 2017–2020 (sticker example)
        '3x3"': {"id": 2018},
        '4x4"': {"id": 2019},
        '6x6"': {"id": 2020},
        '12" × 18"': {"id": 1701},
        '18" × 24"': {"id": 1702},
        '24" × 36"': {"id": 1703},
        '15" × 16"': {"id": 1801},
    },
    "surface": {"White": {"id": 2114}},  # real (sticker example)
}

# Print areas in pixels at 300 DPI (merchandising.md), position -> (width, height); invented unless noted.
KIDS_TEE_XS = {"front": (3153, 3995), "back": (3153, 3995)}  # real (D)
KIDS_TEE_LARGE = {"front": (4500, 5700), "back": (4500, 5700)}  # real (D)
TEE = {"front": (4500, 5400), "back": (4500, 5400)}  # 15×18 in, merchandising.md's example
TEE_SMALL = {"front": (3461, 3955), "back": (3461, 3955)}  # real (M, provider 29)
TEE_MEDIUM = {"front": (3852, 4398), "back": (3852, 4398)}
TEE_LARGE = {"front": (4200, 4800), "back": (4200, 4800)}  # real (M, provider 29)
HOODIE = {"front": (3900, 3600)}  # 13×12 in: the pocket limits the height
MUG = {"front": (2700, 1100)}  # wrap-around, 9×3.7 in
TOTE = {"front": (3600, 3600)}

# What each print provider makes of a blueprint: variants as (id, option values in `options` order, cost in
# cents), print areas by size, the variants out of stock (listed only with ?show-out-of-stock=1, and
# is_available: false on products), weight, and shipping as (first item, each additional item) in cents per
# destination: "shipping" is the standard method (v1's shipping.json and v2's standard.json), "economy" the v2
# economy method where the provider offers it. Printify's variant ids belong to the blueprint, so two providers
# of one blueprint share them.
OFFERS = {
    (3, 3): {
        "options": ("color", "size"),
        "decoration": "dtg",
        "grams": 120,  # invented
        "placeholders": {"XS": KIDS_TEE_XS, "L": KIDS_TEE_LARGE, "XL": KIDS_TEE_LARGE, "2XL": KIDS_TEE_LARGE},
        "variants": [
            (17390, ("Heather Grey", "XS"), 980),  # id real, cost invented
            (17426, ("Solid Black", "XS"), 980),  # id real, cost invented
            (17393, ("Heather Grey", "L"), 1090),  # invented from here on
            (17394, ("Heather Grey", "XL"), 1090),
            (17429, ("Solid Black", "L"), 1090),
            (17430, ("Solid Black", "XL"), 1090),
            (17431, ("Solid Black", "2XL"), 1240),
        ],
        "out_of_stock": set(),
        "handling_days": 3,
        "shipping": {"US": (399, 219), "REST_OF_THE_WORLD": (999, 449)},
    },
    (6, 99): {  # invented from here on, but for the ids named in the docstring
        "options": ("color", "size"),
        "decoration": "dtg",
        "grams": 170,
        "placeholders": dict.fromkeys(("S", "M", "L", "XL", "2XL", "3XL"), TEE),
        "variants": [
            (60101, ("White", "S"), 1029),
            (60102, ("White", "M"), 1029),
            (60103, ("White", "L"), 1029),
            (60104, ("White", "XL"), 1029),
            (60105, ("White", "2XL"), 1279),
            (60106, ("White", "3XL"), 1489),
            (60111, ("Black", "S"), 1029),
            (60112, ("Black", "M"), 1029),
            (60113, ("Black", "L"), 1029),
            (60114, ("Black", "XL"), 1029),
            (60115, ("Black", "2XL"), 1279),
            (60116, ("Black", "3XL"), 1489),
            (60121, ("Navy", "S"), 1029),
            (60122, ("Navy", "M"), 1029),
            (60123, ("Navy", "L"), 1029),
            (60124, ("Navy", "XL"), 1029),
            (60125, ("Navy", "2XL"), 1279),
            (60126, ("Navy", "3XL"), 1489),
            (60131, ("Sport Grey", "S"), 1029),
            (60132, ("Sport Grey", "M"), 1029),
            (60133, ("Sport Grey", "L"), 1029),
            (60134, ("Sport Grey", "XL"), 1029),
            (60135, ("Sport Grey", "2XL"), 1279),
            (60136, ("Sport Grey", "3XL"), 1489),
        ],
        "out_of_stock": {60126, 60135},
        "handling_days": 2,
        "shipping": {"US": (475, 240), "REST_OF_THE_WORLD": (1000, 400)},
        "economy": {"US": (399, 219), "REST_OF_THE_WORLD": (899, 349)},
    },
    (6, 29): {
        "options": ("color", "size"),
        "decoration": "dtg",
        "grams": 170,
        "placeholders": {
            "S": TEE_SMALL,
            "M": TEE_SMALL,
            "L": TEE_MEDIUM,
            "XL": TEE_MEDIUM,
            "2XL": TEE_LARGE,
            "3XL": TEE_LARGE,
        },
        "variants": [
            (60101, ("White", "S"), 1150),
            (60102, ("White", "M"), 1150),
            (60103, ("White", "L"), 1150),
            (60104, ("White", "XL"), 1150),
            (60105, ("White", "2XL"), 1390),
            (60106, ("White", "3XL"), 1590),
            (60111, ("Black", "S"), 1150),
            (60112, ("Black", "M"), 1150),
            (60113, ("Black", "L"), 1150),
            (60114, ("Black", "XL"), 1150),
            (60115, ("Black", "2XL"), 1390),
            (60116, ("Black", "3XL"), 1590),
            (60141, ("Dark Heather", "S"), 1150),
            (60142, ("Dark Heather", "M"), 1150),
            (60143, ("Dark Heather", "L"), 1150),
            (60144, ("Dark Heather", "XL"), 1150),
            (60145, ("Dark Heather", "2XL"), 1390),
            (60146, ("Dark Heather", "3XL"), 1590),
        ],
        "out_of_stock": {60141},
        "handling_days": 3,
        "shipping": {"US": (459, 230), "REST_OF_THE_WORLD": (1049, 429)},
        "economy": {"US": (389, 199)},  # no rest-of-the-world economy rate: outside the US, standard only
    },
    (6, 90011): {  # invented: prints in Germany, every size on the largest print area, no 3XL
        "options": ("color", "size"),
        "decoration": "dtg",
        "grams": 170,
        "placeholders": dict.fromkeys(("S", "M", "L", "XL", "2XL"), TEE),
        "variants": [
            *[(60101 + n, ("White", size), 980) for n, size in enumerate(("S", "M", "L", "XL"))],
            (60105, ("White", "2XL"), 1180),
            *[(60111 + n, ("Black", size), 980) for n, size in enumerate(("S", "M", "L", "XL"))],
            (60115, ("Black", "2XL"), 1180),
            *[(60121 + n, ("Navy", size), 980) for n, size in enumerate(("S", "M", "L", "XL"))],
            (60125, ("Navy", "2XL"), 1180),
            *[(60141 + n, ("Dark Heather", size), 1010) for n, size in enumerate(("S", "M", "L", "XL"))],
            (60145, ("Dark Heather", "2XL"), 1210),
        ],
        "out_of_stock": {60125},
        "handling_days": 2,
        "shipping": {"DE": (429, 159), "REST_OF_THE_WORLD": (1149, 389)},  # the US only at the catch-all rate
        "economy": {"DE": (329, 119), "REST_OF_THE_WORLD": (899, 299)},
    },
    (6, 90012): {  # invented: prints in Canada, a smaller print area, three colours, S to XL
        "options": ("color", "size"),
        "decoration": "dtg",
        "grams": 170,
        "placeholders": dict.fromkeys(("S", "M", "L", "XL"), TEE_MEDIUM),
        "variants": [
            *[(60101 + n, ("White", size), 1090) for n, size in enumerate(("S", "M", "L", "XL"))],
            *[(60111 + n, ("Black", size), 1090) for n, size in enumerate(("S", "M", "L", "XL"))],
            *[(60131 + n, ("Sport Grey", size), 1090) for n, size in enumerate(("S", "M", "L", "XL"))],
        ],
        "out_of_stock": set(),
        "handling_days": 3,
        "shipping": {"CA": (599, 249), "US": (749, 289), "REST_OF_THE_WORLD": (1399, 499)},
    },
    (6, 90013): {  # invented: prints in Latvia, the cheapest tee, one rate for the whole world
        "options": ("color", "size"),
        "decoration": "dtg",
        "grams": 170,
        "placeholders": dict.fromkeys(("S", "M", "L", "XL", "2XL", "3XL"), TEE_SMALL),
        "variants": [
            *[(60101 + n, ("White", size), 899) for n, size in enumerate(("S", "M", "L", "XL", "2XL", "3XL"))],
            *[(60111 + n, ("Black", size), 899) for n, size in enumerate(("S", "M", "L", "XL", "2XL", "3XL"))],
        ],
        "out_of_stock": {60116},
        "handling_days": 4,
        "shipping": {"REST_OF_THE_WORLD": (899, 349)},
        "economy": {"REST_OF_THE_WORLD": (649, 249)},
    },
    (77, 99): {
        "options": ("color", "size"),
        "decoration": "dtg",
        "grams": 620,
        "placeholders": dict.fromkeys(("S", "M", "L", "XL", "2XL"), HOODIE),
        "variants": [
            (77101, ("Black", "S"), 2149),
            (77102, ("Black", "M"), 2149),
            (77103, ("Black", "L"), 2149),
            (77104, ("Black", "XL"), 2149),
            (77105, ("Black", "2XL"), 2449),
            (77111, ("Navy", "S"), 2149),
            (77112, ("Navy", "M"), 2149),
            (77113, ("Navy", "L"), 2149),
            (77114, ("Navy", "XL"), 2149),
            (77115, ("Navy", "2XL"), 2449),
            (77121, ("Sport Grey", "S"), 2149),
            (77122, ("Sport Grey", "M"), 2149),
            (77123, ("Sport Grey", "L"), 2149),
            (77124, ("Sport Grey", "XL"), 2149),
            (77125, ("Sport Grey", "2XL"), 2449),
        ],
        "out_of_stock": {77125},
        "handling_days": 3,
        "shipping": {"US": (849, 209), "REST_OF_THE_WORLD": (1599, 699)},
    },
    (68, 9): {
        "options": ("size",),
        "decoration": "sublimation",  # invented
        "grams": 460,  # real (mug example)
        "placeholders": {"11oz": MUG},
        "variants": [(33719, ("11oz",), 516)],  # real (mug example)
        "out_of_stock": set(),
        "handling_days": 2,
        "shipping": {"US": (699, 349), "REST_OF_THE_WORLD": (1299, 699)},
    },
    (384, 1): {
        "options": ("size", "surface"),
        "decoration": "sticker",  # invented
        "grams": 10,  # real (sticker example)
        "placeholders": {  # invented, 300 DPI
            '2x2"': {"front": (600, 600)},
            '3x3"': {"front": (900, 900)},
            '4x4"': {"front": (1200, 1200)},
            '6x6"': {"front": (1800, 1800)},
        },
        "variants": [  # real ids, titles and costs (D)
            (45740, ('2x2"', "White"), 134),
            (45742, ('3x3"', "White"), 149),
            (45744, ('4x4"', "White"), 187),
            (45746, ('6x6"', "White"), 216),
        ],
        "out_of_stock": set(),
        "handling_days": 2,
        "shipping": {"US": (249, 9), "REST_OF_THE_WORLD": (499, 29)},
    },
    (90001, 7): {  # invented
        "options": ("size",),
        "decoration": "print",
        "grams": 120,
        "placeholders": {
            '12" × 18"': {"front": (3600, 5400)},
            '18" × 24"': {"front": (5400, 7200)},
            '24" × 36"': {"front": (7200, 10800)},
        },
        "variants": [
            (90101, ('12" × 18"',), 895),
            (90102, ('18" × 24"',), 1249),
            (90103, ('24" × 36"',), 1749),
        ],
        "out_of_stock": {90103},
        "handling_days": 4,
        "shipping": {"US": (599, 150), "REST_OF_THE_WORLD": (1499, 500)},
    },
    (90002, 1): {  # invented
        "options": ("color", "size"),
        "decoration": "dtg",
        "grams": 200,
        "placeholders": {'15" × 16"': TOTE},
        "variants": [
            (90201, ("Natural", '15" × 16"'), 1320),
            (90202, ("Black", '15" × 16"'), 1320),
        ],
        "out_of_stock": {90202},
        "handling_days": 3,
        "shipping": {"US": (499, 199), "REST_OF_THE_WORLD": (1199, 399)},
    },
}


# --- the data above in the shapes the API answers with -----------------------------------------------------------


def _variant(offer: dict, variant_id: int, values: tuple, cost: int) -> dict:
    options = dict(zip(offer["options"], values, strict=True))
    return {
        "id": variant_id,
        "title": " / ".join(values),
        "options": options,
        "placeholders": [
            {"position": position, "decoration_method": offer["decoration"], "width": width, "height": height}
            for position, (width, height) in offer["placeholders"][options["size"]].items()
        ],
        "decoration_methods": [offer["decoration"]],
        # Seen on products only, never in variants.json:
        "cost": cost,
        "grams": offer["grams"],
        "is_available": variant_id not in offer["out_of_stock"],
    }


# (blueprint_id, provider_id) -> every variant, in stock or not
VARIANTS = {key: [_variant(offer, *row) for row in offer["variants"]] for key, offer in OFFERS.items()}
PRODUCT_ONLY_KEYS = ("cost", "grams", "is_available")


def providers_for(blueprint_id: int) -> list[dict]:
    """GET …/blueprints/{id}/print_providers.json: [{id, title}] (the reference shows no location there)."""
    return [
        {"id": provider_id, "title": PROVIDERS[provider_id]["title"]}
        for blueprint, provider_id in OFFERS
        if blueprint == blueprint_id
    ]


def blueprints_of(provider_id: int) -> list[dict]:
    """The blueprints one provider offers, as GET …/print_providers/{id}.json lists them (a guess: the reference
    does not document that answer)."""
    fields = ("id", "title", "brand", "model", "images")
    return [
        {key: BLUEPRINTS[blueprint][key] for key in fields} for blueprint, provider in OFFERS if provider == provider_id
    ]


def variants_for(blueprint_id: int, provider_id: int) -> list[dict] | None:
    return VARIANTS.get((blueprint_id, provider_id))


def public_variant(variant: dict) -> dict:
    """The variants.json shape: cost, weight and stock are only visible on products."""
    return {key: value for key, value in variant.items() if key not in PRODUCT_ONLY_KEYS}


def option_value(option: str, title: str) -> dict:
    """{"id", "title"} of one product option value (+ "colors" for colours)."""
    value = OPTION_VALUES[option][title]
    return {"id": value["id"], "title": title} | value


def colour_of(variant: dict) -> str:
    """The variant's colour as #RRGGBB; white for products without a colour option (stickers, mugs, posters)."""
    colour = variant["options"].get("color")
    return OPTION_VALUES["color"][colour]["colors"][0] if colour else "#FFFFFF"


SHIPPING_METHOD_IDS = {"standard": 1, "priority": 2, "express": 3, "economy": 4}  # as orders number them
# How much longer than standard each method takes to hand over (invented).
EXTRA_HANDLING_DAYS = {"standard": 0, "economy": 3}


def shipping_methods_of(blueprint_id: int, provider_id: int) -> list[str] | None:
    """The methods a provider ships a blueprint by (v2 shipping.json), None when it does not make it."""
    offer = OFFERS.get((blueprint_id, provider_id))
    if offer is None:
        return None
    return [method for method in SHIPPING_METHOD_IDS if _rates_of(offer, method) is not None]


def _rates_of(offer: dict, method: str) -> dict | None:
    return offer["shipping"] if method == "standard" else offer.get(method)


def shipping_by_method(blueprint_id: int, provider_id: int, method: str) -> list[dict] | None:
    """GET /v2/…/shipping/{method}.json's data: one JSON:API row per variant and destination (the shape
    integrations/printify.shipping_rates_from documents, with its own doubts); None when the provider does not make
    the blueprint or does not ship by that method."""
    offer = OFFERS.get((blueprint_id, provider_id))
    rates = _rates_of(offer, method) if offer else None
    if rates is None:
        return None
    handling = offer["handling_days"] + EXTRA_HANDLING_DAYS.get(method, 0)
    return [
        {
            "type": f"variant_shipping_{method}_{country.lower()}",
            "id": str(variant_id),
            "attributes": {
                "shippingType": method,
                "country": {"code": country},
                "variantId": variant_id,
                "shippingPlanId": f"{provider_id:08x}{SHIPPING_METHOD_IDS[method]:04x}{blueprint_id:012x}",
                "handlingTime": {"from": handling, "to": handling + 4},
                "shippingCost": {
                    "firstItem": {"amount": first, "currency": "USD"},
                    "additionalItems": {"amount": additional, "currency": "USD"},
                },
            },
        }
        for variant_id, _values, _cost in offer["variants"]
        for country, (first, additional) in rates.items()
    ]


def shipping_for(blueprint_id: int, provider_id: int) -> dict | None:
    """GET …/shipping.json: one profile per destination covering every variant; costs in cents."""
    offer = OFFERS.get((blueprint_id, provider_id))
    if offer is None:
        return None
    variant_ids = [row[0] for row in offer["variants"]]
    return {
        "handling_time": {"value": offer["handling_days"], "unit": "day"},
        "profiles": [
            {
                "variant_ids": variant_ids,
                "first_item": {"cost": first, "currency": "USD"},
                "additional_items": {"cost": additional, "currency": "USD"},
                "countries": [destination],
            }
            for destination, (first, additional) in offer["shipping"].items()
        ],
    }
