"""A ModelAdmin mixin that keeps hostile query strings from turning a changelist into a server error or into
an enormous query.

    class DesignAdmin(AdminGuardsMixin, admin.ModelAdmin): ...

Out-of-range date-hierarchy values, and integer filter values too large for the database (?id__in=…), send
the changelist back to its unfiltered page, Django's own answer to bad lookups. A search longer than
MAX_SEARCH_TERMS words or MAX_SEARCH_CHARACTERS characters finds nothing and says why.
"""

import re
from datetime import MAXYEAR, MINYEAR

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils.text import smart_split

# One year of slack at both ends: Django adds a year (or a month) to the chosen date, and time-zone
# conversion can move a date across the edge of what datetime holds.
DATE_PARTS = {"year": range(MINYEAR + 1, MAXYEAR), "month": range(1, 13), "day": range(1, 32)}
MAX_SEARCH_TERMS = 20
MAX_SEARCH_CHARACTERS = 200


class AdminGuardsMixin:
    def get_changelist_instance(self, request):
        self._check_date_hierarchy(request)
        try:
            return super().get_changelist_instance(request)
        except OverflowError as error:  # raised by the database driver while counting the results
            raise IncorrectLookupParameters(error) from error

    def get_search_results(self, request, queryset, search_term):
        if len(search_term) > MAX_SEARCH_CHARACTERS or len(list(smart_split(search_term))) > MAX_SEARCH_TERMS:
            messages.error(
                request, f"Search is limited to {MAX_SEARCH_TERMS} words and {MAX_SEARCH_CHARACTERS} characters."
            )
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def _check_date_hierarchy(self, request):
        if not self.date_hierarchy:
            return
        for part, allowed in DATE_PARTS.items():
            for value in request.GET.getlist(f"{self.date_hierarchy}__{part}"):
                if not (re.fullmatch(r"[0-9]{1,4}", value) and int(value) in allowed):
                    raise IncorrectLookupParameters(f"The {part} {value!r} is out of range.")


class ReadOnlyAdminMixin:
    """Records and logs: shown in the admin, never added, changed or deleted there (superusers included)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Related records shown on their parent's page as a table: every field in `fields` read-only, no blank rows to
    add, no delete boxes. A subclass names `fields`; `readonly_fields` follows them."""

    extra = 0
    can_delete = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.readonly_fields = cls.fields
