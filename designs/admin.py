from django.contrib import admin
from django.utils.html import format_html

from designs import admin_generation, admin_publishing
from designs.models import Design, DesignEvent


class DesignEventInline(admin.TabularInline):
    model = DesignEvent
    fields = ("created_at", "from_status", "to_status", "actor", "source", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-created_at", "-pk")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Design)
class DesignAdmin(admin.ModelAdmin):
    list_display = ("id", "status_badge", "prompt_excerpt", "title", "created_at")
    list_filter = ("status",)
    search_fields = ("prompt", "title")
    readonly_fields = ("status", "status_changed_at", "last_error", "created_by", "created_at", "updated_at")
    fields = ("prompt", "title", "description", "tags", "image", *readonly_fields)
    inlines = [DesignEventInline]
    actions = [*admin_generation.DESIGN_ACTIONS, *admin_publishing.DESIGN_ACTIONS]

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="pod-status pod-status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="Prompt")
    def prompt_excerpt(self, obj):
        return obj.prompt if len(obj.prompt) <= 80 else obj.prompt[:79] + "…"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
