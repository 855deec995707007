"""Admin: scoring rules are edited here; briefings are read-only (immutable once published)."""

from django.contrib import admin

from .models import Briefing, CampaignScoring


@admin.register(CampaignScoring)
class CampaignScoringAdmin(admin.ModelAdmin):
    list_display = ("campaign", "weight_issue_on_time", "weight_issue_not_overdue", "weight_task_on_time", "flag_count")
    autocomplete_fields = ("campaign",)


@admin.register(Briefing)
class BriefingAdmin(admin.ModelAdmin):
    list_display = ("document_number", "title", "kind", "region", "period_start", "period_end", "published_at")
    list_filter = ("kind", "campaign")
    search_fields = ("document_number", "title")
    date_hierarchy = "period_end"
    exclude = ("content",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
