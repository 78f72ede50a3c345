"""Orders and their lines, as Printify reports them (designs/orders.py has the statuses and the order machine).

No customer data: names, addresses, e-mails and phone numbers are never stored; only the customer's country, for
sales by country. Money is integer cents with its currency beside it: prices in the sales channel's currency,
costs in the Printify account's billing currency (Printify's answers name neither: printify-api.md "Orders").
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from designs.machine import HistoryRow
from designs.orders import OrderStatus


class FeeSchedule(models.Model):
    """What a sales channel takes per order and per listing, editable in the admin; the one in use prices the fees of
    every order read from then on (designs/sales.py). Amounts are in the shop's currency; percentages of revenue.

    The two made by migration 0033 (their sources are named there and in the README): Etsy (6.5 % transaction,
    3 % + $0.25 US payment processing, $0.20 per listing for 4 months) and Shopify Basic (2.9 % + 30¢ per order)."""

    name = models.CharField(max_length=100, unique=True)
    transaction_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0, help_text="% of revenue.")
    fixed_per_order = models.PositiveIntegerField(default=0, help_text="Cents per order.")
    processing_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0, help_text="% of revenue.")
    processing_fixed = models.PositiveIntegerField(default=0, help_text="Cents per order, with the processing %.")
    listing_fee = models.PositiveIntegerField(default=0, help_text="Cents per listing, charged again per unit sold.")
    listing_renewal_months = models.PositiveSmallIntegerField(
        default=0, help_text="A listing is paid again after this many months (0: never)."
    )
    in_use = models.BooleanField(default=False, help_text="The schedule that prices orders read from now on.")
    source = models.TextField(blank=True, help_text="Where these figures come from.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["in_use"], condition=models.Q(in_use=True), name="one_fee_schedule_in_use")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.in_use and FeeSchedule.objects.filter(in_use=True).exclude(pk=self.pk).exists():
            raise ValidationError({"in_use": "Another fee schedule is in use: take it out of use first."})


class Order(models.Model):
    printify_id = models.CharField(max_length=64, unique=True)
    shop_id = models.CharField(max_length=64, blank=True, db_index=True)
    shop_order_id = models.CharField(max_length=100, blank=True, help_text="The sales channel's own order number.")
    shop_order_label = models.CharField(max_length=100, blank=True)
    # --- where it is (written only by designs.orders.ORDER); Printify's own word kept verbatim beside it
    status = models.CharField(max_length=40, choices=OrderStatus.choices, default=OrderStatus.PENDING, db_index=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    printify_status = models.CharField(max_length=64, blank=True)
    # --- what kind of order
    order_type = models.CharField(max_length=32, blank=True, help_text="'external' for real sales; samples differ.")
    is_reprint = models.BooleanField(default=False)
    reprint_of = models.JSONField(default=list, blank=True, help_text="Printify ids of the orders it reprints.")
    country = models.CharField(max_length=2, blank=True, help_text="The customer's country (nothing else of them).")
    # --- money (cents): the order's totals as Printify charges them
    currency = models.CharField(max_length=3, help_text="Of prices: the sales channel's currency.")
    cost_currency = models.CharField(max_length=3, help_text="Of costs: the Printify account's billing currency.")
    total_price = models.IntegerField(default=0)
    total_shipping = models.IntegerField(default=0)
    total_tax = models.IntegerField(default=0)
    # --- times (Printify's)
    created_at = models.DateTimeField(db_index=True)
    sent_to_production_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    # --- a refund made in the sales channel (it never reaches Printify): marked by a person
    refunded_at = models.DateTimeField(null=True, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    read_at = models.DateTimeField(default=timezone.now, help_text="When Printify's answer was last read.")
    updated_at = models.DateTimeField(auto_now=True)
    # --- how it was priced, and a digest of what was recorded (a re-read that changes nothing writes nothing)
    fee_schedule = models.ForeignKey(FeeSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("refund_order", "Can mark orders refunded (they leave the sales figures)")]
        indexes = [models.Index(fields=["status", "created_at"], name="order_status_age")]

    def __str__(self):
        return f"Order {self.shop_order_label or self.shop_order_id or self.printify_id}"


class OrderLine(models.Model):
    """One line of an order. `product` (and its design and template, kept beside it for fast sums) is set when the
    line is one of our products; other lines are kept as "not ours" (counted, not linked)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    printify_product_id = models.CharField(max_length=64, blank=True, db_index=True)
    variant_id = models.BigIntegerField(null=True, blank=True)
    variant_label = models.CharField(max_length=200, blank=True)
    sku = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=300, blank=True)
    product = models.ForeignKey(
        "designs.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="lines"
    )
    design = models.ForeignKey("designs.Design", null=True, blank=True, on_delete=models.SET_NULL, related_name="lines")
    template = models.ForeignKey(
        "designs.ProductTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="lines"
    )
    printify_status = models.CharField(max_length=64, blank=True, help_text="The line's status, as Printify says it.")
    quantity = models.PositiveIntegerField(default=1)
    # --- money, in cents; per unit as Printify gives them (printify-api.md: "treat them as per unit")
    unit_price = models.IntegerField(default=0, help_text="Retail price per unit, in the order's currency.")
    unit_cost = models.IntegerField(default=0, help_text="Production cost per unit, in the billing currency.")
    shipping_cost = models.IntegerField(default=0, help_text="Shipping of the line, in the billing currency.")
    # --- the line's figures, worked out when it is read (designs/sales.py) so sums over many lines are one query
    currency = models.CharField(max_length=3, blank=True, help_text="Of revenue and fees (the order's currency).")
    cost_currency = models.CharField(max_length=3, blank=True, help_text="Of costs and tax (the billing currency).")
    counted = models.BooleanField(default=False, db_index=True, help_text="A sale: counted in the figures.")
    reprint_cost = models.BooleanField(
        default=False, db_index=True, help_text="A reprint's line: not a sale, its (negative) profit is a cost."
    )
    revenue = models.IntegerField(default=0)
    production_cost = models.IntegerField(default=0, help_text="Unit cost × quantity, in the billing currency.")
    tax = models.IntegerField(default=0, help_text="The line's share of the order's tax.")
    fees = models.IntegerField(default=0, help_text="The sales channel's fees on the line.")
    profit = models.IntegerField(null=True, blank=True, help_text="None when prices and costs are in other currencies.")
    sold_at = models.DateTimeField(db_index=True, help_text="The order's creation time, for sums over time.")

    class Meta:
        ordering = ["order_id", "pk"]
        indexes = [
            models.Index(fields=["design", "counted", "sold_at"], name="line_design_sales"),
            models.Index(fields=["counted", "sold_at"], name="line_sales_time"),
            # Covers a design's sums in one currency (designs/sales_figures.py design_total): a seek by design and
            # currency reads every column the sums need, so the changelist sorts by profit from the index alone.
            models.Index(
                fields=["design", "currency", "counted", "reprint_cost", "profit", "revenue", "quantity"],
                name="line_design_figures",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.title or self.sku or self.printify_product_id}"


class OrderSync(models.Model):
    """The order sync's place per shop (designs/workers/order_sync.py): where an interrupted run resumes, and how
    far back the last finished run reached."""

    shop_id = models.CharField(max_length=64, unique=True)
    next_page = models.PositiveIntegerField(default=1, help_text="Where an interrupted run resumes (1: from the top).")
    run_newest = models.DateTimeField(null=True, blank=True, help_text="The newest order the current run saw first.")
    cutoff = models.DateTimeField(null=True, blank=True, help_text="How far back the current run reads.")
    synced_until = models.DateTimeField(null=True, blank=True, help_text="Orders up to here were read by a full run.")
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)

    def __str__(self):
        return f"Order sync of shop {self.shop_id}"


class OrderEvent(HistoryRow):
    """One row per order status change, creation or note (a refund marked, a re-read)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=40, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=40, choices=OrderStatus.choices, blank=True)

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status or '—'}"
