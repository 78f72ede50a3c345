"""The product template editor a seller uses instead of JSON: colours × sizes grid with prices in money, the price
rule, the print position and placement, the texts. Used for a template filled from the catalog and for changing
one; the JSON stays available under "Advanced" (and the plain admin form at ?advanced=1).
"""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

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
from designs.product_templates import PUBLISH_PARTS, placeholders_problems, publish_parts, template_problems
from designs.services import templates
from designs.shops import Shop, default_shop, shop_of
from designs.text_templates import TEMPLATE_NAMES_HELP, TITLE_TEMPLATE_HELP
from designs.variant_grid import build_grid, positions_of

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

    def preview_data(self) -> dict:
        """What placement.js draws: each position's print area sizes (pixels) and the sample's proportions."""
        sizes: dict[str, list[int]] = {}
        for spots in (self.template.placeholders or {}).values():
            for position, spot in spots.items():
                sizes.setdefault(position, [int(spot["width"]), int(spot["height"])])
        return {"areas": sizes, "sample": [3, 4]}

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
