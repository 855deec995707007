"""Admin: scoring and briefing rules are edited here (per campaign); briefings are read-only
here — drafts are reviewed and published on their page, published ones never change."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.adminkit import ReadOnlyAdmin

from .models import Briefing, CampaignScoring


@admin.register(CampaignScoring)
class CampaignScoringAdmin(admin.ModelAdmin):
    list_display = (
        "campaign",
        "weight_issue_on_time",
        "weight_task_on_time",
        "min_due_issues",
        "flag_share",
        "flag_count",
    )
    autocomplete_fields = ("campaign",)
    fieldsets = (
        (None, {"fields": ("campaign",)}),
        (
            _("权重（综合得分的基础分：各项比率加权平均）"),
            {
                "fields": (
                    "weight_issue_on_time",
                    "weight_issue_not_overdue",
                    "weight_task_on_time",
                    "weight_no_rework",
                    "weight_task_on_track",
                )
            },
        ),
        (
            _("扣分（每项计数扣的分）"),
            {
                "fields": (
                    "deduct_overdue_issue",
                    "key_source_factor",
                    "deduct_overdue_task",
                    "deduct_rework",
                    "deduct_recurrence",
                    "deduct_extension",
                    "deduct_refused_reassignment",
                    "deduct_integrity",
                )
            },
        ),
        (_("参与排名与授旗"), {"fields": ("min_due_issues", "min_due_tasks", "flag_share", "flag_count")}),
        (_("定时通报"), {"fields": ("auto_publish_daily", "auto_publish_weekly", "auto_publish_monthly")}),
    )


@admin.register(Briefing)
class BriefingAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "document_number",
        "status",
        "kind",
        "region",
        "period_start",
        "period_end",
        "published_at",
    )
    list_filter = ("status", "kind", "campaign")
    search_fields = ("document_number", "title")
    date_hierarchy = "period_end"
    exclude = ("content",)
