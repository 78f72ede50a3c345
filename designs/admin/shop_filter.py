"""The changelist's shop filter: designs with a product in that shop (a design sells in several)."""

from django.contrib import admin
from django.db.models import Exists, OuterRef

from designs.models import Product
from designs.shops import Shop


class ShopFilter(admin.SimpleListFilter):
    title = "shop"
    parameter_name = "shop"

    def lookups(self, request, model_admin):
        return [(str(shop.pk), str(shop)) for shop in Shop.objects.all()]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            in_shop = Product.objects.filter(design=OuterRef("pk"), shop_id=int(self.value()))
            return queryset.filter(Exists(in_shop))
        return queryset
