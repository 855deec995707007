"""Admin: the per-campaign scoring rule of 约谈/问责 is edited here (with its history); the
records themselves are written through the pages and the API (services) and read-only here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from chuangcheng.org.adminkit import ReadOnlyAdmin

from .models import AccountabilityRules, Commendation, Decision, Interview


@admin.register(AccountabilityRules)
class AccountabilityRulesAdmin(SimpleHistoryAdmin):
    list_display = ["campaign", "deduct_per_interview", "deduct_per_criticism", "count_decision_points"]
    autocomplete_fields = ["campaign"]


@admin.register(Interview)
class InterviewAdmin(ReadOnlyAdmin):
    list_display = ["unit", "held_at", "interviewee", "interviewers", "follow_up_date", "campaign"]
    list_filter = ["campaign"]
    list_select_related = ["unit", "campaign"]
    search_fields = ["unit__name", "interviewee", "reason"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["kind", "unit", "person_name", "decided_on", "decided_by", "document_number", "points"]
    list_filter = ["kind", "campaign"]
    list_select_related = ["unit"]
    search_fields = ["unit__name", "person_name", "document_number", "description"]


@admin.register(Commendation)
class CommendationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "unit", "commended_on", "document_number", "campaign"]
    list_filter = ["campaign"]
    list_select_related = ["unit", "campaign"]
    search_fields = ["unit__name", "person_name", "reason"]
