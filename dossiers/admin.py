"""Admin: requirements are read and searched here; their materials and reviews are written
through the pages and the API (services), so the admin shows them read-only."""

from django.contrib import admin

from chuangcheng.org.adminkit import ReadOnlyAdmin

from .models import DossierEvent, Material, MaterialVersion, Requirement


@admin.register(Requirement)
class RequirementAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "name", "campaign", "years_text", "deadline", "status"]
    list_filter = ["campaign", "status"]
    list_select_related = ["indicator", "campaign"]
    search_fields = ["name", "indicator__code", "indicator__name"]


@admin.register(Material)
class MaterialAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "requirement", "unit", "status", "reviewed_by", "reviewed_at"]
    list_filter = ["status"]
    list_select_related = ["requirement__indicator", "unit", "reviewed_by", "current_version"]
    search_fields = ["versions__title", "requirement__name", "unit__name"]


@admin.register(MaterialVersion)
class MaterialVersionAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "number",
        "document_number",
        "original_name",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    list_select_related = ["uploaded_by"]
    search_fields = ["title", "document_number", "original_name", "sha256"]


@admin.register(DossierEvent)
class DossierEventAdmin(ReadOnlyAdmin):
    list_display = ["requirement", "action", "actor", "created_at"]
    list_filter = ["action"]
    list_select_related = ["requirement__indicator", "actor"]
