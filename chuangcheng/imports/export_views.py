"""The background exports' pages: 我的导出 (the person's recent exports), one export's page with its
progress (polled, as an import's) and its download, and :func:`export_response` — what a list
page's 导出 button answers: the file at once for a small list, else a job and its page.

Thin: the flow is :mod:`chuangcheng.imports.exports`; what a list holds is its exporter's."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chuangcheng.xlsx import xlsx_response

from . import exports, registry
from .models import ExportJob, ExportState

RECENT = 20


def export_response(request, kind):
    """The 导出 button of ``kind``'s list (the caller has checked who may use it): a list of up
    to ``EXPORT_INLINE_MAX_ROWS`` rows is the .xlsx itself, as before; a larger one is queued
    as a job and the person is sent to its page (progress, then the download)."""
    exporter = registry.get_exporter(kind)
    rows = exporter.rows(request.user, request.GET)
    if not exports.export_is_large(rows):
        filename = exports.file_name(kind, request.GET, timezone.localtime())
        return xlsx_response(exports.workbook_bytes(exporter, rows), filename)
    job = exports.export_create(actor=request.user, kind=kind, query=request.GET)
    messages.info(
        request,
        _("清单超过 %(n)s 行，已转为后台导出。完成后可在本页下载，也会收到站内通知。")
        % {"n": f"{settings.EXPORT_INLINE_MAX_ROWS:,}"},
    )
    return redirect("exports:job", pk=job.pk)


def _job(request, pk):
    """The export, if the person asked for it (or is a system administrator): else 404."""
    return get_object_or_404(ExportJob.objects.visible_to(request.user).select_related("created_by"), pk=pk)


def _seen(request, job):
    """The requester has the outcome before them (the finished export's page, or its file): the
    notice that announced it (which links to the page) is read — not left in the bell. Someone
    else opening it (a system administrator) reads nobody's notice."""
    if job.finished and job.created_by_id == request.user.pk:
        registry.mark_read(recipient=request.user, kind="export", url=reverse("exports:job", args=[job.pk]))


def _label(job):
    exporter = registry.get_exporter(job.kind)
    return exporter.label if exporter else job.kind


def _list_link(job):
    exporter = registry.get_exporter(job.kind)
    try:
        url = reverse(exporter.list_url) if exporter and exporter.list_url else ""
    except NoReverseMatch:
        return ""
    return f"{url}?{job.query}" if url and job.query else url


@login_required
@require_GET
def index(request):
    """我的导出: this person's recent background exports."""
    jobs = list(ExportJob.objects.filter(created_by=request.user)[:RECENT])
    rows = [{"job": job, "label": _label(job), "filter": filter_text(job)} for job in jobs]
    return render(request, "imports/exports.html", {"rows": rows, "keep_days": settings.EXPORT_KEEP_DAYS})


def filter_text(job):
    """The list's filter as asked, readable (``关键词=井盖 · 状态=已销号``): what tells two exports
    of one list apart (:func:`exports.filter_parts`)."""
    return " · ".join(f"{label}={'、'.join(names)}" for label, names, _yes in exports.filter_parts(job.kind, job.query))


def _context(job):
    return {
        "job": job,
        "filter": filter_text(job),
        "label": _label(job),
        "progress": exports.export_progress(job),
        "list_url": _list_link(job),
        "filename": exports.download_name(job),
        "keep_days": settings.EXPORT_KEEP_DAYS,
    }


@login_required
@require_GET
def job(request, pk):
    """One export: its progress while queued or running, then the download (or why it failed).
    Once it has finished, opening it reads the notice that announced it."""
    found = _job(request, pk)
    _seen(request, found)
    return render(request, "imports/export.html", _context(found))


@login_required
@require_GET
def status(request, pk):
    """The progress of a queued or running export (polled by its page every 2 s); once it has
    finished, the page reloads itself to show the download."""
    found = _job(request, pk)
    response = render(request, "imports/partials/_export_status.html", _context(found))
    if found.finished:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def download(request, pk):
    """The file, to the person who asked for it (or a system administrator), named after the
    list and when it was asked for; 404 until it is done and after it has expired."""
    found = _job(request, pk)
    if found.state != ExportState.DONE or not found.file:
        raise Http404(_("文件不存在或已过期。"))
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件不存在或已过期。")) from None
    _seen(request, found)
    return FileResponse(handle, as_attachment=True, filename=exports.download_name(found))
