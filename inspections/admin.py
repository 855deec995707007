"""Admin for problem categories (reference data, editable) and read-only views of inspections,
issues, their history and photos. Issues change only through :mod:`inspections.services`, so
the admin never saves one: their state, deadlines and counters are facts with events behind
them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.adminkit import ReadOnlyAdmin

from .models import CampaignCategorySet, Inspection, Issue, IssueCategory, IssueEvent, Photo


@admin.register(IssueCategory)
class IssueCategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "major",
        "time_limit_hours",
        "time_limit_days",
        "default_unit_kind",
        "unit_hint",
        "is_active",
    ]
    list_filter = ["kind", "major", "default_unit_kind", "is_active"]
    search_fields = ["code", "name", "major"]
    ordering = ["code"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["date", "kind", "campaign", "region", "created_by"]
    list_filter = ["kind", "campaign"]
    search_fields = ["summary", "region__name"]
    date_hierarchy = "date"


class IssueEventInline(admin.TabularInline):
    model = IssueEvent
    extra = 0
    fields = ["created_at", "actor", "action", "from_state", "to_state", "comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Issue)
class IssueAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "category",
        "region",
        "responsible_unit",
        "severity_label",
        "state",
        "rectification_deadline",
        "rework_count",
        "recurrence_count",
        "created_at",
    ]
    list_filter = ["state", "severity", "source", "campaign"]
    search_fields = ["=id", "description", "address", "tracking_code"]
    list_select_related = ["category", "region", "responsible_unit"]
    date_hierarchy = "created_at"
    inlines = [IssueEventInline]
    show_full_result_count = False  # a million rows: no COUNT(*) on every page

    @admin.display(description=_("严重程度"), ordering="severity_rank")
    def severity_label(self, obj):
        """Sorted by how serious (一般 < 较重 < 严重 < 负面清单), not by the code's alphabet."""
        return obj.get_severity_display()


@admin.register(Photo)
class PhotoAdmin(ReadOnlyAdmin):
    list_display = ["id", "issue", "kind", "width", "height", "exif_taken_at", "duplicate_of", "created_at"]
    list_filter = ["kind", "taken_before_issue"]
    search_fields = ["=issue__id", "sha256", "original_sha256", "dhash"]
    list_select_related = ["issue__category"]


@admin.register(CampaignCategorySet)
class CampaignCategorySetAdmin(admin.ModelAdmin):
    """在用问题类别 per campaign: pick the few dozen the campaign records under (the phone's list)."""

    list_display = ("campaign", "category_count")
    filter_horizontal = ("categories",)

    @admin.display(description=_("类别数"))
    def category_count(self, obj):
        return obj.categories.count()
