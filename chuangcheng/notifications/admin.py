from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from chuangcheng.org.adminkit import ReadOnlyAdmin
from chuangcheng.wording import join_clauses

from . import services
from .models import Delivery, JobHeartbeat, NotificationPreference, ReminderWatermark
from .preferences import GROUPS


@admin.register(JobHeartbeat)
class JobHeartbeatAdmin(admin.ModelAdmin):
    """Read-only: shows that beat and the worker run (the heartbeat advances every minute)."""

    list_display = ["name", "last_run_at", "run_count", "hostname"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReminderWatermark)
class ReminderWatermarkAdmin(ReadOnlyAdmin):
    """Read-only: how far the reminder pass has got in each window (moved by the pass only)."""

    list_display = ["source", "window", "passed_at"]
    readonly_fields = list_display


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The outbox and its log, read-only. Failed and unconfirmed rows can be sent again (重新发送);
    an unconfirmed row (handed to the server, no answer: it may have arrived) can be marked as
    delivered once a person has checked (标记为已送达)."""

    list_display = [
        "created_at",
        "recipient",
        "channel",
        "kind",
        "title",
        "status",
        "attempts",
        "next_attempt_at",
        "short_error",
        "sent_at",
    ]
    list_filter = ["status", "channel", "kind", "created_at"]
    search_fields = ["subject_key", "window", "title", "recipient__username", "recipient__display_name", "address"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    actions = ["resend", "confirm"]
    fields = [
        "recipient",
        "channel",
        "address",
        "kind",
        "subject_key",
        "window",
        "title",
        "body",
        "url",
        "attachments",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "handed_over_at",
        "message_id",
        "last_error",
        "note",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("最近错误"))
    def short_error(self, obj):
        return Truncator(obj.last_error).chars(60)

    @admin.display(description="Message-ID")
    def message_id(self, obj):
        return obj.message_id

    @admin.action(description=_("重新发送（发送失败或未确认的）"), permissions=["resend"])
    def resend(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = services.delivery_resend(delivery_ids=ids)
        skipped = len(ids) - count
        self.message_user(
            request,
            ngettext("已重新排队 %(n)d 条投递。", "已重新排队 %(n)d 条投递。", count) % {"n": count},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(request, _("只有“发送失败”或“未确认”的投递可以重新发送，其余已跳过。"), messages.WARNING)

    @admin.action(description=_("标记为已送达（仅未确认的）"), permissions=["resend"])
    def confirm(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = services.delivery_confirm(delivery_ids=ids, actor=request.user)
        self.message_user(
            request,
            ngettext("已将 %(n)d 条投递标记为已送达。", "已将 %(n)d 条投递标记为已送达。", count) % {"n": count},
            messages.SUCCESS,
        )
        if len(ids) > count:
            self.message_user(request, _("只有“未确认”的投递可以标记为已送达，其余已跳过。"), messages.WARNING)

    def has_resend_permission(self, request):
        return request.user.has_perm("notifications.change_delivery")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change page is a read-only view; the permission gates the resend action.
        return request.user.has_perm("notifications.change_delivery")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    """Read-only here: each person sets their own on 通知设置 (the service checks who may)."""

    list_display = ("user", "turned_off", "daily_digest", "digest_hour", "quiet_start", "quiet_end", "updated_at")
    search_fields = ("user__username", "user__display_name")
    fields = ("user", "turned_off", "daily_digest", "digest_hour", "quiet_start", "quiet_end", "updated_at")
    readonly_fields = fields

    @admin.display(description=_("关闭的通知"))
    def turned_off(self, pref):
        groups = dict(GROUPS)
        return (
            join_clauses(
                f"{channel} · {groups.get(group, group)}"
                for channel, _sep, group in (p.partition(":") for p in pref.off)
            )
            or "—"
        )
