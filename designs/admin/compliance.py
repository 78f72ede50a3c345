"""Blocked terms: the shop's own list of names it must not sell under, screened by designs/compliance.py."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from designs.compliance import term_key
from designs.models import BlockedTerm
from podsite.admin_guards import AdminGuardsMixin


class BlockedTermForm(forms.ModelForm):
    class Meta:
        model = BlockedTerm
        fields = ("term", "reason", "is_active")

    def clean_term(self):
        term = " ".join(self.cleaned_data["term"].split())
        key = term_key(term)
        if not key:
            raise ValidationError("A blocked term needs at least one letter or digit.")
        twins = [t for t in BlockedTerm.objects.exclude(pk=self.instance.pk).values_list("term", flat=True)]
        same = next((other for other in twins if term_key(other) == key), None)
        if same:
            raise ValidationError(f"“{same}” is on the list already; it matches the same words.")
        return term


@admin.register(BlockedTerm)
class BlockedTermAdmin(AdminGuardsMixin, admin.ModelAdmin):
    form = BlockedTermForm
    list_display = ("term", "reason", "is_active", "created_at")
    list_editable = ("is_active",)
    list_filter = ("is_active",)
    search_fields = ("term", "reason")
    list_per_page = 200

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "subtitle": (
                "Approval and publishing refuse designs whose prompt, title, description or tags name one of these "
                "(whole words; case, accents and look-alike letters ignored). The first entries are examples: "
                "which names are protected is the shop's responsibility."
            ),
        }
        return super().changelist_view(request, extra_context)
