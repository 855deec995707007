from django.contrib import admin

from .models import JobHeartbeat


@admin.register(JobHeartbeat)
class JobHeartbeatAdmin(admin.ModelAdmin):
    """Read-only: shows that beat and the worker run (the heartbeat advances every minute)."""

    list_display = ["name", "last_run_at", "run_count", "hostname"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
