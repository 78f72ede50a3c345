"""The changelist's status filter, where "Published" means for sale: a design with any product live counts (its
status summarises its products, so a tee live beside a mug waiting for its mockup review reads "Mockups to
review")."""

from django.contrib import admin

from designs import selectors
from designs.workflow import Status


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status__exact"  # the plain status filter's own parameter: saved links keep working

    def lookups(self, request, model_admin):
        return [
            (value, f"{label} (or partly live)" if value == Status.PUBLISHED else label)
            for value, label in Status.choices
        ]

    def queryset(self, request, queryset):
        if self.value() == Status.PUBLISHED:
            return queryset.filter(selectors.published_q())
        if self.value():
            return queryset.filter(status=self.value())
        return queryset
