"""The 实地考察细则 is edited here (reference data, like the issue categories); rounds and
sweeps are shown read-only — they are planned, answered and closed through the pages and the
API, whose services check who may and when."""

from django.contrib import admin

from chuangcheng.org.adminkit import ReadOnlyAdmin

from .models import CheckItem, Round, RoundSite, Sweep


@admin.register(CheckItem)
class CheckItemAdmin(admin.ModelAdmin):
    list_display = (
        "text",
        "site_type",
        "indicator",
        "points",
        "photo_required",
        "negative_list",
        "category",
        "is_active",
    )
    list_filter = ("standard", "site_type", "negative_list", "is_active")
    search_fields = ("text", "indicator__code", "indicator__name")
    autocomplete_fields = ("indicator", "category")
    ordering = ("standard", "site_type", "order")


class RoundSiteInline(admin.TabularInline):
    model = RoundSite
    fields = ("site", "district", "inspector", "answered_at", "distance_m")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = ("name", "campaign", "number", "state", "starts_on", "ends_on", "seed")
    list_filter = ("campaign", "state")
    inlines = [RoundSiteInline]


@admin.register(Sweep)
class SweepAdmin(ReadOnlyAdmin):
    list_display = ("title", "campaign", "site_type", "region", "due_on", "created_by", "created_at")
    list_filter = ("campaign", "site_type")
