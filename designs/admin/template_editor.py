"""The product template editor a seller uses instead of JSON: colours × sizes grid with prices in money, the price
rule, the print position and placement, the texts. Used for a template filled from the catalog and for changing
one; the JSON stays available under "Advanced" (and the plain admin form at ?advanced=1).
"""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from designs import fixed_images
from designs.admin.review_cards import shown_image_url
from designs.models import ProductTemplate
from designs.pricing import (
    BASES,
    MONEY_MAX_CHARS,
    ROUNDINGS,
    MoneyInvalid,
    PriceRule,
    check_prices,
    money_text,
    parse_money,
)
from designs.print_quality import LEVEL_WORDS, PRINT_AREA_DPI, best_file, fixed_image_dpi
from designs.product_templates import (
    PUBLISH_PARTS,
    fixed_placement,
    placeholders_problems,
    publish_parts,
    template_problems,
)
from designs.services import templates
from designs.shops import Shop, default_shop, shop_of
from designs.text_templates import TEMPLATE_NAMES_HELP, TITLE_TEMPLATE_HELP
from designs.variant_grid import build_grid, positions_of, size_of

PLACEMENTS = [
    ("fit", "Fit — the whole design, as large as the print area allows"),
    ("fill", "Fill — cover the whole print area (edges of the design may be cut off)"),
    ("fixed", "Custom — my own position and size"),
]


class MoneyField(forms.CharField):
    """Money typed as 24.99 (a currency sign, a decimal comma and thousands separators are understood); cents."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        # The browser stops typing at the cap; parse_money refuses a longer value (a max_length validator would run
        # on the cents, not the text).
        attrs = {"inputmode": "decimal", "size": 7, "class": "pod-money", "maxlength": MONEY_MAX_CHARS}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        return money_text(value) if isinstance(value, int) else value

    def to_python(self, value):
        try:
            return parse_money(super().to_python(value))
        except MoneyInvalid as error:
            raise ValidationError(str(error)) from error


def print_area_groups(template) -> dict[str, list[dict]]:
    """{position: [{"size": [w, h], "variants": [ids], "sizes": "XS, S"}]}: the variants sharing each print area
    size, biggest first (the biggest area is the one a design prints at its lowest DPI on)."""
    by_position: dict[str, dict[tuple[int, int], dict]] = {}
    for variant in template.variants or []:
        for position, spot in (template.placeholders or {}).get(str(variant["id"]), {}).items():
            size = (int(spot["width"]), int(spot["height"]))
            group = by_position.setdefault(position, {}).setdefault(
                size, {"size": list(size), "variants": [], "sizes": []}
            )
            group["variants"].append(int(variant["id"]))
            label = size_of(variant)
            if label not in group["sizes"]:
                group["sizes"].append(label)
    return {
        position: [
            {**group, "sizes": ", ".join(group["sizes"])}
            for group in sorted(groups.values(), key=lambda g: g["size"][0] * g["size"][1], reverse=True)
        ]
        for position, groups in by_position.items()
    }


def design_entry(design, vanishes_on=()) -> dict:
    """A design the preview can draw: its preview image (never a 40 MB print file), the pixel size of the file
    publishing uploads (print_quality.best_file), which the DPI is worked out from, and the grid's colours it nearly
    vanishes on (designs/contrast.py)."""
    file, size, _ = best_file(design)
    title = design.title or design.prompt
    return {
        "id": design.pk,
        "label": f"#{design.pk} {title[:48]}{'…' if len(title) > 48 else ''}",
        "url": shown_image_url(design),
        "width": size[0] if size else 0,
        "height": size[1] if size else 0,
        "file": file,
        "vanishes_on": list(vanishes_on),
    }


def colour_entries(colours: list[str], swatches: dict) -> list[dict]:
    """The grid's colours with a CSS colour each (a heather's codes mixed), marked when the code is approximate."""
    entries = []
    for name in colours:
        swatch = swatches.get(name)
        if swatch is None:
            continue
        entries.append({"name": name, "css": swatch.css, "approximate": swatch.approximate})
    return entries


# Fields the editor shows as they are on the model.
PLAIN_FIELDS = ("prompt_is_title", "review_mockups", "safety_information", "prepare_print_files", "needs_transparency")
# Going live at a pace (designs/pacing.py); shown as they are on the model too.
PACE_FIELDS = ("listings_per_day", "listing_hours_start", "listing_hours_end")


class TemplateEditorForm(forms.Form):
    name = forms.CharField(max_length=100)
    is_default = forms.BooleanField(required=False, label="Default template", help_text="Used when none is chosen.")
    shop = forms.ModelChoiceField(
        queryset=Shop.objects.all(),
        empty_label=None,
        required=False,  # not sent: the default shop
        help_text="The shop its products are made in; its sales channel decides the listing limits.",
    )
    print_position = forms.ChoiceField(label="Print on")
    placement_mode = forms.ChoiceField(choices=PLACEMENTS, widget=forms.RadioSelect, initial="fit", label="Placement")
    x = forms.FloatField(min_value=0, max_value=1, initial=0.5, help_text="0 = left edge, 0.5 = centre, 1 = right edge")
    y = forms.FloatField(min_value=0, max_value=1, initial=0.5, help_text="0 = top, 0.5 = centre, 1 = bottom")
    scale = forms.FloatField(
        min_value=0.05, max_value=5, initial=1, help_text="The design's width as a share of the print area's width."
    )
    angle = forms.IntegerField(min_value=-360, max_value=360, initial=0, help_text="Degrees.")
    use_rule = forms.BooleanField(required=False, initial=True, label="Prices follow Printify's cost")
    basis = forms.ChoiceField(choices=list(BASES.items()), widget=forms.RadioSelect, initial="percent", label="Price")
    percent = forms.DecimalField(min_value=0, max_value=1000, decimal_places=1, initial=40, label="Markup %")
    profit = MoneyField(label="Profit per item", initial=800)
    rounding = forms.ChoiceField(choices=list(ROUNDINGS.items()), initial="99", label="Round up to")
    min_margin = forms.DecimalField(
        min_value=0,
        max_value=99,
        decimal_places=1,
        initial=0,
        required=False,
        label="Minimum margin %",
        help_text="Margin is profit ÷ price. A price under it needs your confirmation; a price under cost is refused.",
    )
    confirm_low_margin = forms.BooleanField(required=False, label="Yes, save prices below the minimum margin")
    title_template = forms.CharField(max_length=500, help_text=f"{TITLE_TEMPLATE_HELP} {TEMPLATE_NAMES_HELP}")
    description_template = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    tags_template = forms.CharField(max_length=500, required=False, help_text="Comma-separated.")
    prompt_is_title = forms.BooleanField(
        required=False,
        label=ProductTemplate._meta.get_field("prompt_is_title").verbose_name.capitalize(),
        help_text=ProductTemplate._meta.get_field("prompt_is_title").help_text,
    )
    publish_after_create = forms.BooleanField(required=False, label="Publish to the store after creating")
    review_mockups = forms.BooleanField(
        required=False,
        label=ProductTemplate._meta.get_field("review_mockups").verbose_name.capitalize(),
        help_text=ProductTemplate._meta.get_field("review_mockups").help_text,
    )
    safety_information = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Product safety information (GPSR)",
        help_text=ProductTemplate._meta.get_field("safety_information").help_text,
    )
    prepare_print_files = forms.BooleanField(
        required=False,
        label="Prepare print files before publishing",
        help_text=ProductTemplate._meta.get_field("prepare_print_files").help_text,
    )
    needs_transparency = forms.BooleanField(
        required=False,
        label="Needs a transparent background",
        help_text=ProductTemplate._meta.get_field("needs_transparency").help_text,
    )
    listings_per_day = forms.IntegerField(
        min_value=1,
        max_value=100_000,
        required=False,
        label=ProductTemplate._meta.get_field("listings_per_day").verbose_name.capitalize(),
        help_text=ProductTemplate._meta.get_field("listings_per_day").help_text,
    )
    listing_hours_start = forms.TimeField(
        required=False,
        label=ProductTemplate._meta.get_field("listing_hours_start").verbose_name.capitalize(),
        help_text=ProductTemplate._meta.get_field("listing_hours_start").help_text,
        widget=forms.TimeInput(attrs={"type": "time", "step": 1}),
    )
    listing_hours_end = forms.TimeField(
        required=False,
        label=ProductTemplate._meta.get_field("listing_hours_end").verbose_name.capitalize(),
        help_text=ProductTemplate._meta.get_field("listing_hours_end").help_text,
        widget=forms.TimeInput(attrs={"type": "time", "step": 1}),
    )
    publish_parts = forms.MultipleChoiceField(
        choices=[(part, part) for part in PUBLISH_PARTS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Send to the store",
    )
    advanced_placeholders = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"}),
        required=False,
        label="Print areas per variant (JSON)",
        help_text="As read from the catalog: {variant id: {position: {width, height}}} in pixels.",
    )

    def __init__(self, data=None, *, template, costs):
        self.template, self.costs = template, costs
        # A new template follows a rule from the start; one priced by hand before stays so until the seller ticks it.
        has_rule = bool(template.price_rule) or not template.pk
        rule = PriceRule.from_dict(template.price_rule)
        self.grid = build_grid(template.variants or [], costs, rule, use_rule=has_rule)
        self.low_margin: list[str] = []
        placement = {"mode": "fit", "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0, **(template.placement or {})}
        initial = {
            "name": template.name,
            "is_default": template.is_default,
            "shop": shop_of(template),
            "print_position": template.print_position,
            "placement_mode": placement["mode"],
            **{key: placement[key] for key in ("x", "y", "scale", "angle")},
            "use_rule": has_rule,
            "basis": rule.basis,
            "percent": rule.percent,
            "profit": rule.profit,
            "rounding": rule.rounding,
            "min_margin": rule.min_margin,
            "title_template": template.title_template,
            "description_template": template.description_template,
            "tags_template": template.tags_template,
            "publish_after_create": template.publish_after_create,
            **{name: getattr(template, name) for name in PLAIN_FIELDS + PACE_FIELDS},
            # A part the template does not name is sent as true (PrintifyClient.publish): shown ticked.
            "publish_parts": [part for part in PUBLISH_PARTS if publish_parts(template).get(part, True)],
            "advanced_placeholders": json.dumps(template.placeholders or {}, indent=1),
        }
        super().__init__(data, initial=initial)
        positions = positions_of(template.placeholders)
        self.fields["print_position"].choices = [(p, p.replace("_", " ")) for p in positions]
        self.no_positions = not positions
        for index, size in enumerate(self.grid.sizes):
            self.fields[f"step_{index}"] = MoneyField(label=f"{size} +", initial=rule.size_steps.get(size))
        for cell in self.grid.all_cells():
            self.fields[f"enable_{cell.id}"] = forms.BooleanField(
                required=False, initial=cell.enabled and cell.available, disabled=not cell.available
            )
            typed = cell.price if cell.overridden or not has_rule else None
            self.fields[f"price_{cell.id}"] = MoneyField(initial=typed)

    # --- what the page shows
    def gone_out_of_stock(self) -> list[str]:
        """Ticked variants the provider no longer has in stock: saving unticks them (they cannot be sold)."""
        return [f"{c.colour} / {c.size}" for c in self.grid.all_cells() if c.enabled and not c.available]

    def step_fields(self):
        return [(size, self[f"step_{index}"]) for index, size in enumerate(self.grid.sizes)]

    def grid_rows(self):
        return [
            (colour, [(cell, self[f"enable_{cell.id}"], self[f"price_{cell.id}"]) if cell else None for cell in cells])
            for colour, cells in self.grid.rows()
        ]

    def preview_data(self, *, designs=(), pictures=(), swatches=None, vanishing=None) -> dict:
        """What the placement preview (template_editor.js) draws: per position, the print area sizes with the
        variants of each (sizes differ by garment size; the worst DPI counts), the designs it can show (approved
        ones, shown through their own media URLs), the blueprint's pictures, the garment colours and the DPI
        levels (designs/print_quality.py)."""
        return {
            "areas": print_area_groups(self.template),
            "designs": [design_entry(design, (vanishing or {}).get(design.pk, [])) for design in designs],
            "pictures": list(pictures),
            "colours": colour_entries(self.grid.colours, swatches or {}),
            "dpi": {"print": PRINT_AREA_DPI, "min": settings.MIN_PRINT_DPI, "target": settings.TARGET_PRINT_DPI},
            "sample": [3, 4],
        }

    # --- checking and building
    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        rule = self._rule(cleaned)
        self.grid = build_grid(self._variants_as_typed(cleaned), self.costs, rule, use_rule=bool(rule))
        enabled = [cell for cell in self.grid.all_cells() if cell.enabled]
        if not enabled:
            raise ValidationError("Tick at least one variant: the grid has none enabled.")
        unpriced = [f"{cell.colour} / {cell.size}" for cell in enabled if cell.price is None]
        if unpriced:
            why = "its cost is not known yet" if rule else "prices are typed by hand"
            raise ValidationError(f"No price for {', '.join(unpriced)}: type one ({why}).")
        checked = check_prices([(f"{c.colour} / {c.size}", c.price, c.cost) for c in enabled], rule or PriceRule())
        if checked.not_positive:
            raise ValidationError(f"Prices must be above zero: {', '.join(checked.not_positive)}.")
        if checked.below_cost:
            raise ValidationError(
                f"Below Printify's cost (Printify refuses to publish these): {', '.join(checked.below_cost)}."
            )
        self.low_margin = checked.below_min_margin
        if checked.below_min_margin and not cleaned.get("confirm_low_margin"):
            raise ValidationError(
                f"Under the minimum margin of {rule.min_margin} %: {', '.join(checked.below_min_margin)}. "
                "Raise the prices, or tick “Yes, save prices below the minimum margin”."
            )
        return cleaned

    def _rule(self, cleaned) -> PriceRule | None:
        if not cleaned.get("use_rule"):
            return None
        steps = {size: cleaned.get(f"step_{i}") for i, size in enumerate(self.grid.sizes) if cleaned.get(f"step_{i}")}
        return PriceRule(
            basis=cleaned["basis"],
            percent=cleaned["percent"] if cleaned.get("percent") is not None else Decimal(40),
            profit=cleaned.get("profit") or 0,
            size_steps=steps,
            rounding=cleaned["rounding"],
            min_margin=cleaned.get("min_margin") or Decimal(0),
        )

    def _variants_as_typed(self, cleaned) -> list[dict]:
        variants = []
        for cell in self.grid.all_cells():
            typed = cleaned.get(f"price_{cell.id}")
            variants.append(
                {
                    **cell.variant,
                    "is_enabled": bool(cleaned.get(f"enable_{cell.id}")) and cell.available,
                    "price": typed if typed is not None else cell.variant.get("price"),
                    "price_overridden": typed is not None,
                }
            )
        return variants

    def apply(self, template):
        """Put the form's values on the template (unsaved); returns the problems that would stop Printify or the
        save (a name another template has)."""
        data = self.cleaned_data
        rule = self._rule(data)
        template.name = data["name"]
        template.is_default = data["is_default"]
        template.shop = data["shop"] or default_shop()
        template.print_position = data["print_position"]
        template.placement = {
            "mode": data["placement_mode"],
            "x": data["x"],
            "y": data["y"],
            "scale": data["scale"],
            "angle": data["angle"],
        }
        template.price_rule = rule.as_dict() if rule else {}
        template.variants = [
            {
                **{k: v for k, v in cell.variant.items() if k not in ("price", "is_enabled", "price_overridden")},
                "price": cell.price,
                "is_enabled": cell.enabled,
                "price_overridden": cell.overridden or (rule is None and cell.price is not None),
            }
            for cell in self.grid.all_cells()
        ]
        template.title_template = data["title_template"]
        template.description_template = data["description_template"]
        template.tags_template = data["tags_template"]
        template.publish_after_create = data["publish_after_create"]
        for name in PLAIN_FIELDS + PACE_FIELDS:
            setattr(template, name, data[name])
        template.publish_parts = {part: part in data["publish_parts"] for part in PUBLISH_PARTS}
        if data.get("advanced_placeholders", "").strip():
            try:
                placeholders = json.loads(data["advanced_placeholders"])
            except RecursionError:
                return ["The print areas (Advanced) are nested too deeply to be print areas."]
            except ValueError as error:
                return [f"The print areas (Advanced) are not valid JSON: {error}."]
            # Only print areas of the right shape go on the template: the page drawn after an error reads them.
            problems = placeholders_problems(placeholders)
            if problems:
                return problems
            template.placeholders = placeholders
        return template_problems(template) + templates.name_problems(template)


# --- the placement preview's inputs and the fixed image ----------------------------------------------------------


def shown_pictures(urls) -> list[str]:
    """The blueprint pictures a page may show: web addresses only (as the blueprint step shows them:
    services/catalog_choice.py); the browser loads them within the CSP's image hosts, the server never does."""
    return [url for url in urls or [] if isinstance(url, str) and url.lower().startswith(("https://", "http://"))]


def placement_preview(form: TemplateEditorForm, template, design_id=None) -> dict:
    """Everything the placement preview draws, for the editor page (design_id: a design to show first)."""
    from designs import contrast, garment_colours, selectors

    designs = selectors.designs_to_place(include=design_id)
    swatches = garment_colours.swatches(template.blueprint_id, template.print_provider_id, form.grid.colours)
    known = [swatch for swatch in swatches.values() if swatch is not None]
    vanishing = {design.pk: contrast.vanishing_among(design, known) for design in designs}  # measured, not written
    return form.preview_data(
        designs=designs, pictures=shown_pictures(template.blueprint_images), swatches=swatches, vanishing=vanishing
    )


class FixedImageForm(forms.Form):
    """The template's fixed image (a logo on the back neck or a sleeve): the file, where it goes and its size."""

    image = forms.FileField(
        required=False,
        label="Image file",
        help_text=f"PNG (transparent background), JPEG or WEBP, at most {fixed_images.MAX_BYTES // (1024 * 1024)} MB. "
        "Leave empty to keep the current one.",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    position = forms.ChoiceField(label="Print on")
    x = forms.FloatField(min_value=0, max_value=1, initial=0.5, help_text="0 = left edge, 1 = right edge")
    y = forms.FloatField(min_value=0, max_value=1, initial=0.5, help_text="0 = top, 1 = bottom")
    scale = forms.FloatField(
        min_value=0.05, max_value=5, initial=1, help_text="Its width as a share of that print area's width."
    )
    angle = forms.IntegerField(min_value=-360, max_value=360, initial=0, help_text="Degrees.")
    prefix = "fixed"  # the editor's own form has x, y, scale and angle too

    def __init__(self, data=None, files=None, *, template):
        placement = fixed_placement(template)
        initial = {"position": template.fixed_position, **{key: placement[key] for key in ("x", "y", "scale", "angle")}}
        super().__init__(data, files, initial=initial)
        others = [p for p in positions_of(template.placeholders) if p != template.print_position]
        self.fields["position"].choices = [(p, p.replace("_", " ")) for p in others]
        self.no_positions = not others
        for field in self.fields.values():  # shown inside the editor's form, submitted with the fixed image's own
            field.widget.attrs["form"] = "pod-fixed-form"

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload is None:
            return None
        if upload.size > fixed_images.MAX_BYTES:
            raise ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; at most {fixed_images.MAX_BYTES // (1024 * 1024)} MB."
            )
        return upload.read(fixed_images.MAX_BYTES + 1)

    def change(self, *, remove: bool = False) -> templates.FixedImageChange:
        data = self.cleaned_data if not remove else {"position": "", "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0}
        return templates.FixedImageChange(
            data=data.get("image"),
            position=data["position"],
            x=data["x"],
            y=data["y"],
            scale=data["scale"],
            angle=data["angle"],
            remove=remove,
        )


def fixed_image_panel(template, form: FixedImageForm | None = None) -> dict:
    """What the editor's fixed-image section shows: the form, the image (its own media URL) and how it prints."""
    report = fixed_image_dpi(template)
    spot = fixed_placement(template)
    area = report.worst.placeholder if report.worst else None
    return {
        "area_ratio": f"{area[0]} / {area[1]}" if area else "1 / 1",
        # Printify's placement as CSS over the area: the centre at (x, y), the width a share of the area's.
        "style": (
            f"left: {float(spot['x']) * 100:.2f}%; top: {float(spot['y']) * 100:.2f}%; "
            f"width: {float(spot['scale']) * 100:.2f}%; "
            f"transform: translate(-50%, -50%) rotate({int(spot['angle'])}deg)"
        ),
        "form": form or FixedImageForm(template=template),
        "url": template.fixed_image.url if template.fixed_image else "",
        "size": (template.fixed_image_width, template.fixed_image_height) if template.fixed_image else None,
        "dpi": report.dpi,
        "level": LEVEL_WORDS[report.level] if report.areas else "",
        "level_class": report.level,
        "area": area,
    }
