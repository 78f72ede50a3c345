"""The records podsite keeps: presets, batches, product templates and their costs, designs and their products, the
history rows of their machines, blocked terms, webhook receipts and leases.

Past 500 lines as one module on purpose: these models reference each other (a design's template, a product's
design, their events) and Django finds an app's models here; the newer groups already live beside it
(job_models.py, order_models.py, review_models.py, imported at the end) and their statuses are declared with
their machines (workflow.py, products.py, print_status.py, task_states.py).
"""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from designs.machine import HistoryRow
from designs.print_status import PrintStatus
from designs.products import ProductState
from designs.task_states import CopyStatus, ListingSync, RepriceState
from designs.workflow import EventKind, Status


def _dated_name(prefix: str, extension: str) -> str:
    """Our own storage name: never derived from a remote or uploaded file name."""
    now = timezone.now()
    return f"{prefix}/{now:%Y/%m}/{uuid.uuid4().hex}.{extension}"


def design_image_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return _dated_name("designs", extension if extension in {"png", "jpg", "jpeg", "webp"} else "png")


def design_thumbnail_path(instance, filename: str) -> str:
    return _dated_name("designs/thumbs", "webp")


def design_preview_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "webp"
    return _dated_name("designs/previews", extension if extension in {"webp", "jpg"} else "webp")


def print_file_path(instance, filename: str) -> str:
    return _dated_name("designs/print", "png")


def fixed_image_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return _dated_name("templates/fixed", extension if extension in {"png", "jpg", "webp"} else "png")


class PresetKind(models.TextChoices):
    GENERATION = "generation", "Generation (prompt in, image out)"
    PRINT = "print", "Print preparation (image in, print file out)"


class GenerationPreset(models.Model):
    """A ComfyUI workflow plus where each parameter goes in it, and the defaults staff start from."""

    name = models.CharField(max_length=100, unique=True)
    # Print presets (designs/print_files.py) feed a design's image to LoadImage and resize to a print area.
    kind = models.CharField(max_length=10, choices=PresetKind.choices, default=PresetKind.GENERATION)
    workflow = models.JSONField(help_text="API-format ComfyUI graph (as exported with 'Save (API)').")
    parameter_map = models.JSONField(
        default=dict,
        help_text='Parameter name → "node_id.input", e.g. {"prompt": "6.text", "seed": "31.seed"}.',
    )
    prompt_template = models.CharField(
        max_length=500,
        default="{prompt}",
        help_text="Plain text in which {prompt} and {style} are replaced by the design's (no other braces).",
    )
    negative_prompt = models.TextField(blank=True)
    width = models.PositiveIntegerField(default=1024)
    height = models.PositiveIntegerField(default=1024)
    steps = models.PositiveIntegerField(default=20)
    guidance = models.FloatField(default=3.5)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Batch(models.Model):
    """A group of designs started together; counts and cost are computed from its designs."""

    class Origin(models.TextChoices):
        ADMIN = "admin", "Admin form"
        FILE = "file", "File (generate_designs)"
        IMPORT = "import", "Imported images"

    name = models.CharField(max_length=200)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.ADMIN)
    source_name = models.CharField(max_length=255, blank=True, help_text="File name for file and import batches.")
    preset = models.ForeignKey(GenerationPreset, null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    # "Make more like these": the sellers it followed up, so the sales dashboard shows whether follow-ups sell too.
    made_from = models.ManyToManyField("Design", blank=True, related_name="follow_up_batches")

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "batches"

    def __str__(self):
        return self.name


class ProductTemplate(models.Model):
    """How an approved design becomes a Printify product."""

    name = models.CharField(max_length=100, unique=True)
    blueprint_id = models.PositiveIntegerField()
    blueprint_title = models.CharField(max_length=200, blank=True)
    print_provider_id = models.PositiveIntegerField()
    provider_title = models.CharField(max_length=200, blank=True)
    # [{"id": 17390, "title": "Heather Grey / XS", "price": 2499, "is_enabled": true, "options": {"color": …,
    # "size": …}, "available": true, "price_overridden": false}, …]: the provider's whole variant matrix; price in
    # minor units (cents). Templates made before the grid editor carry id, title, price and is_enabled only.
    variants = models.JSONField(default=list)
    # How prices follow Printify's cost (designs/pricing.py PriceRule); {} when prices are typed in by hand.
    price_rule = models.JSONField(default=dict, blank=True)
    print_position = models.CharField(max_length=50, default="front")
    # {"mode": "fixed"|"fit", "x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0}
    placement = models.JSONField(default=dict)
    # Placeholder sizes per variant id as read from the catalog, used by "fit" placement and coverage checks.
    placeholders = models.JSONField(default=dict, blank=True)
    # Applied to every design: {{ title }} is its own title (or its prompt, with prompt_is_title); text_templates.
    title_template = models.CharField(max_length=500, default="{{ title }}")
    description_template = models.TextField(default="{{ design.description|default:design.prompt }}")
    tags_template = models.CharField(max_length=500, blank=True, help_text="Comma-separated; Django template syntax.")
    prompt_is_title = models.BooleanField(
        default=False,
        verbose_name="The prompt is the title",
        help_text="Designs without a title of their own go live with their prompt as the title. Off: such designs are "
        "refused for publishing until their listing copy is written or a title is typed.",
    )
    publish_after_create = models.BooleanField(default=True)
    review_mockups = models.BooleanField(
        default=True,
        verbose_name="Review mockups before going live",
        help_text="Each new product stops on Printify (not in the store) until someone has looked at its mockups "
        "(review page, mockup mode) and sent it live or discarded it.",
    )
    safety_information = models.TextField(
        blank=True,
        help_text="GPSR product safety information sent with each product (EU buyers); empty: none is sent.",
    )
    publish_parts = models.JSONField(
        default=dict, blank=True, help_text='Parts to publish, e.g. {"title": true, "images": true, "tags": false}.'
    )
    source_product_id = models.CharField(
        max_length=64, blank=True, help_text="Printify product this was imported from."
    )
    is_default = models.BooleanField(default=False)
    # The shop its products are made in (designs/shops.py); empty only on rows from before shops were records,
    # which migration 0037 moved onto the default shop.
    shop = models.ForeignKey("designs.Shop", null=True, blank=False, on_delete=models.PROTECT, related_name="templates")
    # --- print quality (designs/print_quality.py)
    prepare_print_files = models.BooleanField(
        default=False,
        help_text="Publishing a design below the minimum DPI first prepares its print file on RunPod, then publishes.",
    )
    needs_transparency = models.BooleanField(
        default=False, help_text="Apparel: art must have a transparent background so the garment colour shows."
    )
    # The catalog blueprint's pictures (https URLs on Printify's image host), shown behind the placement preview by
    # the browser; the server never fetches them.
    blueprint_images = models.JSONField(default=list, blank=True)
    # --- a fixed image (a shop logo on the back neck or a sleeve) printed on every product of the template, beside
    # the design (designs/fixed_images.py). Files are never deleted when replaced: products snapshot the name.
    fixed_image = models.ImageField(upload_to=fixed_image_path, blank=True, max_length=255)
    fixed_image_width = models.PositiveIntegerField(null=True, blank=True)
    fixed_image_height = models.PositiveIntegerField(null=True, blank=True)
    fixed_position = models.CharField(max_length=50, blank=True)
    # {"x": 0.5, "y": 0.5, "scale": 1.0, "angle": 0}, as Printify places an image (printify-api.md §4)
    fixed_placement = models.JSONField(default=dict, blank=True)
    # Printify's upload id of the fixed image and the stored file it belongs to: uploaded once per file.
    fixed_upload_id = models.CharField(max_length=64, blank=True)
    fixed_upload_of = models.CharField(max_length=255, blank=True)
    # --- going live at a pace (designs/pacing.py): set, it replaces the shop's pace for this template's products
    listings_per_day = models.PositiveIntegerField(
        "new listings a day",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="At most this many of its products go into the store a day, spread evenly over the listing hours "
        "(in the shop's time zone). Empty: the shop's pace.",
    )
    listing_hours_start = models.TimeField("listing hours from", null=True, blank=True, help_text="Empty: midnight.")
    listing_hours_end = models.TimeField(
        "listing hours until",
        null=True,
        blank=True,
        help_text="Earlier than the start crosses midnight. Empty: the start, a whole day.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_template")
        ]

    def __str__(self):
        return self.name

    @property
    def blueprint_label(self) -> str:
        return self.blueprint_title or f"Blueprint {self.blueprint_id}"

    @property
    def provider_label(self) -> str:
        return self.provider_title or f"print provider {self.print_provider_id}"


class GarmentColour(models.Model):
    """A colour of a provider's blueprint with its hex codes, as a created product's options[].values[].colors
    give them (the catalog names colours only: printify-api.md, "Colours"). Heathers carry two codes."""

    blueprint_id = models.PositiveIntegerField()
    print_provider_id = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    hexes = models.JSONField(default=list)
    source = models.CharField(max_length=200, blank=True)
    learned_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["blueprint_id", "print_provider_id", "name"], name="one_colour_per_blueprint_provider"
            )
        ]

    def __str__(self):
        return f"{self.blueprint_id}/{self.print_provider_id} {self.name}: {', '.join(self.hexes)}"


class VariantCost(models.Model):
    """What Printify charges for one variant of a provider's blueprint, learned from a product (the catalog does not
    say: printify-api.md §2), and the first-item shipping to the shop's main country; each with where it came
    from and when, so the editor can show the figure's age and source."""

    blueprint_id = models.PositiveIntegerField()
    print_provider_id = models.PositiveIntegerField()
    variant_id = models.PositiveIntegerField()
    cost = models.PositiveIntegerField(null=True, blank=True, help_text="Cents.")
    shipping = models.PositiveIntegerField(null=True, blank=True, help_text="First item, cents.")
    source = models.CharField(max_length=200, blank=True)
    learned_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["blueprint_id", "print_provider_id", "variant_id"], name="one_cost_per_variant"
            )
        ]

    def __str__(self):
        return f"{self.blueprint_id}/{self.print_provider_id}/{self.variant_id}: {self.cost}"


class RepriceJob(models.Model):
    """Putting a template's prices on its products in Printify, one product at a time on a worker (resumable: a
    product whose prices match the template is done)."""

    State = RepriceState  # moved only by designs.task_states.REPRICE

    template = models.ForeignKey(ProductTemplate, on_delete=models.CASCADE, related_name="reprice_jobs")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    failed = models.JSONField(default=dict, blank=True, help_text="Product id -> why.")
    waiting = models.PositiveIntegerField(default=0, help_text="Locked products to try again.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Repricing {self.template} ({self.get_state_display().lower()})"


class Design(models.Model):
    # --- what it is
    prompt = models.TextField()
    style = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="designs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    # --- where it is (written only by designs.workflow.transition)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)

    # --- the image (always stored under our own name through the storage API)
    image = models.ImageField(upload_to=design_image_path, blank=True, max_length=255)
    thumbnail = models.ImageField(upload_to=design_thumbnail_path, blank=True, max_length=255)
    image_width = models.PositiveIntegerField(null=True, blank=True)
    image_height = models.PositiveIntegerField(null=True, blank=True)
    image_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # At most 1600 px, for the review page's large view (never the original in the browser); None: unknown.
    preview_file = models.ImageField(upload_to=design_preview_path, blank=True, max_length=255)
    image_has_alpha = models.BooleanField(null=True, blank=True)
    # How light the design's ink is (designs/contrast.py): measured once per file, {} until then.
    image_ink = models.JSONField(default=dict, blank=True)

    # --- the print file (designs/print_status.py moves print_status; the original above never changes)
    print_status = models.CharField(max_length=10, choices=PrintStatus.choices, default=PrintStatus.NONE, db_index=True)
    print_status_changed_at = models.DateTimeField(null=True, blank=True)
    print_error = models.TextField(blank=True)
    print_preset = models.ForeignKey(
        GenerationPreset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    print_job_id = models.CharField(max_length=100, blank=True, db_index=True)
    print_target_width = models.PositiveIntegerField(null=True, blank=True)
    print_target_height = models.PositiveIntegerField(null=True, blank=True)
    print_submitted_at = models.DateTimeField(null=True, blank=True)
    print_attempts = models.PositiveIntegerField(default=0)
    print_execution_ms = models.PositiveIntegerField(null=True, blank=True)
    print_file = models.ImageField(upload_to=print_file_path, blank=True, max_length=255)
    print_preview = models.ImageField(upload_to=design_preview_path, blank=True, max_length=255)
    print_width = models.PositiveIntegerField(null=True, blank=True)
    print_height = models.PositiveIntegerField(null=True, blank=True)
    print_sha256 = models.CharField(max_length=64, blank=True)
    print_has_alpha = models.BooleanField(null=True, blank=True)
    print_ink = models.JSONField(default=dict, blank=True)

    # --- generation
    preset = models.ForeignKey(GenerationPreset, null=True, blank=True, on_delete=models.SET_NULL)
    # Stored in a signed 64-bit column: seeds run 0..2**63-1 (ComfyUI itself accepts up to 2**64-1).
    seed = models.PositiveBigIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    steps = models.PositiveIntegerField(null=True, blank=True)
    guidance = models.FloatField(null=True, blank=True)
    runpod_job_id = models.CharField(max_length=100, blank=True, db_index=True)
    # Which image of its job this design holds: 0 for the design that asked, 1.. for siblings.
    job_output_index = models.PositiveSmallIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    delay_ms = models.PositiveIntegerField(null=True, blank=True)
    execution_ms = models.PositiveIntegerField(null=True, blank=True)
    cost = models.DecimalField(max_digits=10, decimal_places=5, null=True, blank=True)
    generation_attempts = models.PositiveIntegerField(default=0)
    # Makes the RunPod webhook URL of this design unguessable.
    webhook_token = models.CharField(max_length=64, default=secrets.token_urlsafe, editable=False)

    # Its Printify products (one per product template) are Product rows: design.products.
    # A publisher chose to publish below MIN_PRINT_DPI (recorded as an event with the actor); cleared by a new request.
    print_gate_overridden = models.BooleanField(default=False)

    # --- listing copy (designs/services/listing_copy.py; every change raises copy_revision, so a stale edit and
    # an LLM answer arriving after a person's edit are refused instead of overwriting it)
    copy_revision = models.PositiveIntegerField(default=0)
    copy_status = models.CharField(max_length=10, choices=CopyStatus.choices, default=CopyStatus.NONE)
    copy_note = models.TextField(blank=True, help_text="How the copy was written, or why writing it failed.")
    copy_requested_at = models.DateTimeField(null=True, blank=True)
    copy_tokens = models.PositiveIntegerField(default=0, help_text="LLM tokens used for this design's copy.")
    copy_cost = models.DecimalField(max_digits=10, decimal_places=5, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("approve_design", "Can approve, reject and reopen designs"),
            ("publish_design", "Can publish designs to Printify"),
            ("write_copy_design", "Can have the LLM write listing copy (paid per design)"),
        ]
        indexes = [models.Index(fields=["status", "status_changed_at"], name="design_status_age")]
        constraints = [
            # Ingest may run twice; a second sibling for the same job output cannot exist.
            models.UniqueConstraint(
                fields=["runpod_job_id", "job_output_index"],
                condition=~Q(runpod_job_id=""),
                name="one_design_per_job_output",
            )
        ]

    def __str__(self):
        return self.title or f"Design {self.pk}"

    def get_absolute_url(self):
        return reverse("admin:designs_design_change", args=[self.pk])

    @property
    def siblings(self):
        """Designs made by the same RunPod job."""
        if not self.runpod_job_id:
            return Design.objects.none()
        return Design.objects.filter(runpod_job_id=self.runpod_job_id).exclude(pk=self.pk)


class BlockedTerm(models.Model):
    """A name the shop must not sell under (brand, character, celebrity), screened by designs/compliance.py."""

    term = models.CharField(
        max_length=100,
        unique=True,
        help_text="Matched as whole words, ignoring case, accents and look-alike letters.",
    )
    reason = models.CharField(max_length=200, blank=True, help_text="Why it is blocked, e.g. “Disney trademark”.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]

    def __str__(self):
        return self.term


class Product(models.Model):
    """One Printify product: a design made into one product template (a tee, a mug). Its state moves only through
    designs/products.py, which also keeps the design's status the summary of its products."""

    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="products")
    template = models.ForeignKey(
        ProductTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    template_name = models.CharField(max_length=100, blank=True, help_text="Kept when the template is deleted.")
    # The shop it is made in: its template's when publishing was asked for (a template moved to another shop later
    # does not move the products it made).
    shop = models.ForeignKey("designs.Shop", null=True, blank=True, on_delete=models.PROTECT, related_name="products")
    # The template as it was when publishing was asked for: a run in progress keeps this version while the template
    # is edited; afterwards it is what the Printify product was made with (its prices follow repricing).
    template_snapshot = models.JSONField(default=dict, blank=True)
    # Every variant SKU of the Printify product starts with this, so a product created just before a crash is found
    # again instead of made twice (products cannot be filtered by SKU: printify-api.md §4).
    sku_prefix = models.CharField(max_length=64)

    # --- where it is (written only by designs.products.move_products)
    state = models.CharField(max_length=20, choices=ProductState.choices, default=ProductState.CREATING, db_index=True)
    state_changed_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)

    # --- Printify (each id saved the moment Printify returns it; a retry resumes from them)
    printify_upload_id = models.CharField(max_length=64, blank=True)
    printify_id = models.CharField(max_length=64, blank=True, db_index=True)
    external = models.JSONField(default=dict, blank=True, help_text="The store listing: id and handle (URL).")
    mockups = models.JSONField(default=list, blank=True)
    mockups_approved_at = models.DateTimeField(
        null=True, blank=True, help_text="When a person sent it live after looking at its mockups."
    )
    attempts = models.PositiveIntegerField(default=0)

    # --- the listing as Printify has it (designs/services/listing_sync.py): the title, description and tags last
    # sent (at create, then by each update; {} for products made before this was recorded); prices are the snapshot's
    listing_sent = models.JSONField(default=dict, blank=True)
    listing_synced_at = models.DateTimeField(null=True, blank=True)
    listing_sync = models.CharField(max_length=10, choices=ListingSync.choices, default=ListingSync.IDLE, blank=True)
    listing_requested_at = models.DateTimeField(null=True, blank=True)
    listing_error = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # --- the going-live queue (designs/pacing.py): while scheduled, when it is planned to go into the store and
    # its place in the queue (smaller first); released_at: when the queue last let it go (release_at stays as it was)
    release_at = models.DateTimeField(null=True, blank=True)
    queue_position = models.BigIntegerField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["design_id", "pk"]
        indexes = [
            # The release pass's look for what is due (few rows are ever scheduled).
            models.Index(fields=["release_at"], condition=Q(state="scheduled"), name="product_release_due"),
            models.Index(fields=["state", "updated_at"], name="product_state_age"),
            # The reconciler's look for listing updates that lost their worker (few rows are ever not idle).
            models.Index(fields=["listing_sync", "updated_at"], condition=~Q(listing_sync=""), name="product_sync_age"),
        ]
        constraints = [
            # Never two products of one design from one template (publishing twice resumes the existing one).
            models.UniqueConstraint(
                fields=["design", "template"], condition=Q(template__isnull=False), name="one_product_per_template"
            )
        ]

    def __str__(self):
        return f"{self.template_name or 'Product'} of design {self.design_id}"


class ProductEvent(HistoryRow):
    """One row per product state change or note: who, from where, and why."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=20, choices=ProductState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=ProductState.choices, blank=True)

    def __str__(self):
        if not self.to_state:
            return f"note: {self.message[:60]}"
        return f"{self.from_state or '—'} → {self.to_state}"


class RepriceEvent(HistoryRow):
    """One row per repricing job state change or note (designs/task_states.py REPRICE)."""

    job = models.ForeignKey(RepriceJob, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=10, choices=RepriceState.choices, blank=True)
    to_state = models.CharField(max_length=10, choices=RepriceState.choices, blank=True)

    def __str__(self):
        return f"{self.from_state or '—'} → {self.to_state or '—'}"


class DesignEvent(HistoryRow):
    """One row per status change, creation or note (a moment that changed no status): who, from where, and why."""

    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=EventKind.choices, default=EventKind.MOVE)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    # Decisions taken together (best of a prompt's variations) share this token: undo takes them back together.
    group = models.CharField(max_length=32, blank=True, default="", db_index=True)

    def __str__(self):
        if self.kind in (EventKind.NOTE, EventKind.PRINT):
            return f"{self.kind}: {self.message[:60]}"
        return f"{self.from_status or '—'} → {self.to_status or '—'}"


class WebhookReceipt(models.Model):
    """Webhook deliveries already handled, so a redelivered event changes nothing twice."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    topic = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="one_receipt_per_event")]

    def __str__(self):
        return f"{self.provider} {self.topic} {self.event_id}"


class Lease(models.Model):
    """A named, expiring lock shared by every process on every host (see designs/leases.py)."""

    key = models.CharField(max_length=200, primary_key=True)
    token = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    def __str__(self):
        return self.key


# Shops, review claims, near-duplicate fingerprints, admin action jobs and orders (with their history) live in their own
# modules (imported here so Django finds them).
from designs.job_models import ActionJob, ActionJobEvent  # noqa: E402, F401
from designs.order_models import FeeSchedule, Order, OrderEvent, OrderLine, OrderSync  # noqa: E402, F401
from designs.review_models import ImageFingerprint, NearDuplicate, ProductClaim, ReviewClaim  # noqa: E402, F401
from designs.shops import Shop  # noqa: E402, F401
