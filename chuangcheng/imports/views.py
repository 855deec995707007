"""The import pages: pick an import, upload, see the preview (what each cell became, or every
bad row), confirm once, watch a large import's progress, read the outcome.

Thin: the batch flow is :mod:`chuangcheng.imports.services`; what a file means is the
importer's (registered by its app)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chuangcheng import pages
from chuangcheng.exceptions import ApplicationError
from chuangcheng.tabular import ImportErrors

from . import registry, services
from .models import BatchState, ImportBatch

RECENT = 10


def _refused(request):
    alert = {
        "level": "danger",
        "title": _("无权导入"),
        "message": _("您的角色不能使用该导入。导入由督查员和系统管理员办理。"),
    }
    return pages.message_page(request, status=403, alert=alert, links=[pages.link(reverse("home"), _("我的工作台"))])


@login_required
def index(request):
    """The imports this person may use, and their recent uploads."""
    importers = registry.available(request.user)
    if not importers:
        return _refused(request)
    recent = ImportBatch.objects.visible_to(request.user).filter(created_by=request.user)[:RECENT]
    labels = {i.kind: i.label for i in importers}
    return render(
        request,
        "imports/index.html",
        {"importers": importers, "recent": [(b, labels.get(b.kind, b.kind)) for b in recent]},
    )


@login_required
def upload(request, kind):
    """Upload a file with the import's options → the batch page with its preview."""
    importer = registry.get(kind)
    if importer is None:
        raise Http404
    if not importer.may_import(request.user):
        return _refused(request)
    form = importer.form(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                batch = services.batch_create(
                    actor=request.user, kind=kind, upload=form.cleaned_data["file"], options=form.options()
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                return redirect("imports:batch", pk=batch.pk)
        status = 400
    return render(request, "imports/upload.html", {"importer": importer, "form": form}, status=status)


def _batch(request, pk):
    return get_object_or_404(ImportBatch.objects.visible_to(request.user), pk=pk)


def _batch_page(request, batch, *, status=200, alert=None):
    importer = registry.get(batch.kind)
    if importer is None:
        raise Http404
    context = {"batch": batch, "importer": importer, "alert": alert}
    if batch.state == BatchState.PREVIEWED:
        try:
            context["preview"] = services.batch_preview(batch)
        except ImportErrors as exc:
            context["errors"] = exc.errors  # the page exists and says what is wrong: still 200
            # What the other rows resolved to, when the importer can tell (the 任务分解表's dry run).
            context["partial"] = getattr(exc, "plan", None)
    elif batch.state in (BatchState.QUEUED, BatchState.RUNNING):
        context["progress"] = services.progress_get(batch)
    return render(request, "imports/batch.html", context, status=status)


@login_required
@require_GET
def batch(request, pk):
    return _batch_page(request, _batch(request, pk))


@login_required
@require_POST
def confirm(request, pk):
    """确认导入 — once: a second confirm of the same preview answers 409 and imports nothing."""
    found = _batch(request, pk)
    try:
        done = services.batch_confirm(actor=request.user, batch_id=found.pk)
    except ApplicationError as error:
        if error.code == "not_found":
            raise Http404(error.message) from None
        found.refresh_from_db()
        alert = {"level": "warning", "title": _("未重复导入"), "message": error.message}
        return _batch_page(request, found, status=error.status_code, alert=alert)
    if done.state == BatchState.DONE:
        messages.success(request, _("导入完成。%(summary)s") % {"summary": done.summary})
    return redirect("imports:batch", pk=done.pk)


@login_required
@require_GET
def status(request, pk):
    """The progress of a queued or running batch (polled by the page every 2 s); once it has
    finished, the page reloads itself to show the outcome."""
    found = _batch(request, pk)
    response = render(
        request,
        "imports/partials/_status.html",
        {"batch": found, "progress": services.progress_get(found)},
    )
    if found.state not in (BatchState.QUEUED, BatchState.RUNNING):
        response["HX-Refresh"] = "true"
    return response
