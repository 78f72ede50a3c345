"""The changelist filter "Has a near-duplicate": designs whose image looks like another design's."""

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q

from designs import selectors
from designs.models import NearDuplicate
from designs.workflow import Status


class NearDuplicateFilter(admin.SimpleListFilter):
    title = "near-duplicate"
    parameter_name = "near_duplicate"

    def lookups(self, request, model_admin):
        return [("yes", "Has a near-duplicate"), ("published", "Looks like a published design"), ("no", "None")]

    def queryset(self, request, queryset):
        pairs = NearDuplicate.objects.filter(design_id=OuterRef("pk"))
        if self.value() == "yes":
            return queryset.filter(Exists(pairs))
        if self.value() == "published":
            # Published, or partly live (its tee live while its mug waits for its mockup review): both are for sale.
            for_sale = Q(other__status=Status.PUBLISHED) | Q(selectors.live_product_of("other_id"))
            return queryset.filter(Exists(pairs.filter(for_sale)))
        if self.value() == "no":
            return queryset.filter(~Exists(pairs))
        return queryset
