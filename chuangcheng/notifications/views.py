"""The notices page (the bell): my in-app notices, newest first; opening one marks it read.
And, for administrators, the beat schedule with each job's last run."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from chuangcheng.org.permissions import is_admin

from .jobboard import job_board
from .models import Notice

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
