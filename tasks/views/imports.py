"""任务分解表 import: upload → preview → confirm."""

import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chuangcheng.campaigns.models import Campaign
from chuangcheng.tabular import ImportErrors

from .. import exports, permissions
from ..forms import ImportForm
from ..imports import import_tasks
from .common import message_page

# --- 任务分解表 import -------------------------------------------------------------------------------

IMPORT_SALT = "tasks.import"
IMPORT_MAX_AGE = 60 * 60  # a preview can be confirmed within the hour
IMPORT_KEEP_SECONDS = 24 * 60 * 60  # stashed uploads older than a day are swept


def _import_dir():
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _stash(data):
    """Keep the uploaded bytes between the preview and the confirmation, so nobody has to pick
    the file again: a server-side file under MEDIA_ROOT/imports/ named by a random id. The
    browser holds only a signed token with that id (never a path), bound to the person."""
    folder = _import_dir()
    cutoff = time.time() - IMPORT_KEEP_SECONDS
    for old in folder.iterdir():
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    key = uuid.uuid4().hex
    (folder / key).write_bytes(data)
    return key


def _import_refused(request):
    alert = {
        "level": "danger",
        "title": _("无权导入任务"),
        "message": _("只有督查员和系统管理员可以导入任务分解表。"),
    }
    return message_page(request, status=403, alert=alert)


@login_required
def import_page(request):
    """Upload a 任务分解表 and pick the campaign → a dry-run preview (or the bad rows, by line)
    → confirm, and the same bytes are imported in one transaction."""
    user = request.user
    if not permissions.can_create(user, None):
        return _import_refused(request)
    if request.method == "POST" and "token" in request.POST:
        return _import_confirm(request)
    form = ImportForm(request.POST or None, request.FILES or None, user=user)
    context, status = {"form": form}, 200
    if request.method == "POST" and form.is_valid():
        upload, campaign = form.cleaned_data["file"], form.cleaned_data["campaign"]
        data = upload.read()
        try:
            result = import_tasks(data, campaign=campaign, actor=user, filename=upload.name, dry_run=True)
        except ImportErrors as exc:
            context["errors"], status = exc.errors, 400
        else:
            ticket = {"key": _stash(data), "name": upload.name, "campaign": campaign.pk, "user": user.pk}
            token = signing.dumps(ticket, salt=IMPORT_SALT)
            context.update(result=result, token=token, campaign=campaign, filename=upload.name)
    elif request.method == "POST":
        status = 400
    return render(request, "tasks/import.html", context, status=status)


def _import_confirm(request):
    user = request.user
    expired = [(None, _("预览已过期或已导入，请重新上传文件。"))]
    form = ImportForm(user=user)
    try:
        ticket = signing.loads(request.POST["token"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        ticket = None
    path = _import_dir() / ticket["key"] if ticket and ticket.get("user") == user.pk else None
    if path is None or not path.is_file():
        return render(request, "tasks/import.html", {"form": form, "errors": expired}, status=400)
    campaign = get_object_or_404(Campaign.objects.visible_to(user), pk=ticket["campaign"])
    try:
        result = import_tasks(path.read_bytes(), campaign=campaign, actor=user, filename=ticket["name"])
    except ImportErrors as exc:
        return render(request, "tasks/import.html", {"form": form, "errors": exc.errors}, status=400)
    path.unlink(missing_ok=True)
    messages.success(request, _("导入完成。%(summary)s") % {"summary": result.summary()})
    return redirect(f"{reverse('tasks:ledger')}?campaign={campaign.pk}")


@login_required
@require_GET
def import_template(request):
    """The 任务分解表 template (.xlsx) with the headers the import reads."""
    if not permissions.can_create(request.user, None):
        return _import_refused(request)
    response = HttpResponse(exports.import_template_workbook(), content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, _("任务分解表模板.xlsx"))
    return response
