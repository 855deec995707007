"""The notices page (the bell): my in-app notices, newest first; opening one marks it read.
通知设置: what each person wants by which channel and when. And, for administrators, the beat
schedule with each job's last run."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from chuangcheng.org.permissions import is_admin
from chuangcheng.pagination import CappedPaginator as Paginator

from . import preferences
from .channels import configured_channels
from .forms import PreferenceForm
from .jobboard import job_board
from .models import Notice, NotificationPreference

PAGE_SIZE = 30


def _mark_read(queryset):
    # Read marks are the recipient's own inbox state, not a ledger change: one UPDATE on
    # the person's own notices. (To move to notifications.services.notice_mark_read.)
    return queryset.unread().update(read_at=timezone.now())


@login_required
@require_GET
def notice_list(request):
    notices = Notice.objects.visible_to(request.user).order_by("-created_at", "-id")
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notice_list.html", {"page": page})


@login_required
@require_GET
def notice_open(request, pk):
    """Follow a notice to what it is about, marking it read on the way."""
    notice = get_object_or_404(Notice.objects.visible_to(request.user), pk=pk)
    _mark_read(Notice.objects.visible_to(request.user).filter(pk=notice.pk))
    safe = notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()})
    return redirect(notice.url if safe else "notifications:list")


@login_required
@require_POST
def notice_read_all(request):
    _mark_read(Notice.objects.visible_to(request.user))
    return redirect("notifications:list")


@login_required
@require_GET
def beat_schedule(request):
    """定时作业: the CELERY_BEAT_SCHEDULE entries (read-only), when each last ran, whether it is late."""
    if not is_admin(request.user):
        raise PermissionDenied
    return render(request, "notifications/schedule.html", {"entries": job_board()})


CHANNEL_LABELS = {"email": _("邮件"), "webhook": _("接口推送"), "inapp": _("站内通知")}


def _personal_channels():
    """The channels a person decides about (not the bell, not group robots)."""
    return [c for c in configured_channels() if not c.immediate and not c.per_group]


@login_required
def preference_edit(request):
    """通知设置: per kind and channel, 每日汇总 at an hour, 免打扰."""
    channels = _personal_channels()
    pref = NotificationPreference.objects.filter(user=request.user).first()
    pairs = [(f"{c.name}:{g}", c, g) for g, _label in preferences.GROUPS for c in channels]
    error = None
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            on = set(request.POST.getlist("on"))
            data = form.cleaned_data
            try:
                preferences.preference_update(
                    actor=request.user,
                    user=request.user,
                    off=[key for key, _c, _g in pairs if key not in on],
                    daily_digest=data["daily_digest"],
                    digest_hour=data["digest_hour"],
                    quiet_start=data["quiet_start"],
                    quiet_end=data["quiet_end"],
                    channels={c.name for c in channels},
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("通知设置已保存。"))
                return redirect("notifications:preferences")
        off = {key for key, _c, _g in pairs if key not in set(request.POST.getlist("on"))}
        error = True
    else:
        form = PreferenceForm(
            initial={
                "daily_digest": pref.daily_digest if pref else False,
                "digest_hour": pref.digest_hour if pref else 8,
                "quiet_start": pref.quiet_start if pref else None,
                "quiet_end": pref.quiet_end if pref else None,
            }
        )
        off = set(pref.off) if pref else set()
    rows = [
        {
            "label": label,
            "cells": [
                {
                    "key": f"{c.name}:{g}",
                    "on": f"{c.name}:{g}" not in off,
                    "channel": CHANNEL_LABELS.get(c.name, c.name),
                }
                for c in channels
            ],
        }
        for g, label in preferences.GROUPS
    ]
    context = {
        "form": form,
        "rows": rows,
        "channels": [CHANNEL_LABELS.get(c.name, c.name) for c in channels],
        "has_email": bool(request.user.email),
        "error": error,
    }
    return render(request, "notifications/preferences.html", context, status=400 if error else 200)
