"""Import batches and background exports in the admin: read-only (uploads come in through the
import pages, exports are asked for on the list pages)."""

from django.contrib import admin

from .models import ExportJob, ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["original_name", "kind", "state", "total_rows", "created_by", "created_at", "finished_at"]
    list_filter = ["kind", "state"]
    search_fields = ["original_name", "created_by__username", "created_by__display_name"]
    list_select_related = ["created_by"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["kind", "state", "total_rows", "created_by", "created_at", "finished_at"]
    list_filter = ["kind", "state"]
    search_fields = ["created_by__username", "created_by__display_name"]
    list_select_related = ["created_by"]
    readonly_fields = [f.name for f in ExportJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
