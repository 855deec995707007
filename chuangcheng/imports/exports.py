"""Writes of the background exports (后台导出): decide, queue, write the file once, announce,
expire.

The flow: the list page's 导出 button asks :func:`export_is_large` about the rows the page shows
(a capped count: at most ``EXPORT_INLINE_MAX_ROWS + 1`` rows are counted). A small list is
built within the request as before (:func:`workbook_bytes`). A large one becomes an
:class:`~chuangcheng.imports.models.ExportJob` (:func:`export_create`) that records who asked,
for which list and with which query string; the ``imports.run_export`` job (:func:`export_run`)
re-applies the list's selector, filter and scope for that person, streams the rows into a
write-only workbook on a temporary file (memory stays flat: rows are read in chunks through a
cursor and written to disk as they come) and stores it under ``exports/`` through Django's
storage API; the page polls its progress (in the cache, as an import's) and shows the download.

Faults: the writer holds the job's row lock until the outcome is recorded, so a second runner
(a redelivered message, the sweep) skips it; a worker that dies releases the lock, and
:func:`exports_resume` (beat, every 5 minutes) queues the job again — at most ``MAX_ATTEMPTS``
claims, then it fails with a message saying so. The file's name is fixed by the job's token (a
retry overwrites it: one file), and the announcement is one outbox message per job and outcome
(a retry adds none). :func:`exports_expire` (beat, daily) deletes files after
``EXPORT_KEEP_DAYS``.
"""

import logging
import tempfile

import django_filters
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.xlsx import workbook_bytes as _saved_bytes

from . import registry
from .models import ExportJob, ExportState, export_path
from .services import progress_get, progress_set, send_job

logger = logging.getLogger(__name__)

CHUNK = 2000  # rows read per round trip, and between two progress updates
MAX_ATTEMPTS = 3  # claims of one job (worker deaths included) before it is failed
# A queued job whose message never came, or a running one whose worker died, is queued again
# by the sweep after this long (a job being written holds its row lock and is skipped).
STALE_AFTER = timezone.timedelta(minutes=10)
IGNORED_PARAMS = ("page",)  # not part of what is exported


def _exporter(kind):
    exporter = registry.get_exporter(kind)
    if exporter is None:
        raise ApplicationError(_("未知的导出类型。"), code="not_found")
    return exporter


def export_is_large(rows):
    """Whether ``rows`` (a queryset) has more than ``EXPORT_INLINE_MAX_ROWS`` rows — counted
    with ``LIMIT max + 1``, so a list of a million rows costs what a list of a few thousand does."""
    limit = settings.EXPORT_INLINE_MAX_ROWS
    return rows.order_by()[: limit + 1].count() > limit


def workbook_bytes(exporter, rows):
    """The small export, within the request: the exporter's workbook of ``rows`` as bytes."""
    return _saved_bytes(exporter.workbook(rows.iterator(chunk_size=CHUNK)))


def _query_string(query):
    data = query.copy() if isinstance(query, QueryDict) else QueryDict(query or "", mutable=True)
    for key in IGNORED_PARAMS:
        data.pop(key, None)
    return data.urlencode()


def export_create(*, actor, kind, query):
    """后台导出: a job for ``kind``'s list as ``actor`` sees it with ``query``, queued after the
    commit. Asking again while the same export (same person, list and query) is still queued or
    running returns that one instead of a second job."""
    exporter = _exporter(kind)
    if not exporter.may_export(actor):
        raise ApplicationError(_("您没有权限导出该清单。"), code="forbidden")
    query_string = _query_string(query)
    with transaction.atomic():
        pending = ExportJob.objects.select_for_update().filter(
            created_by=actor, kind=kind, query=query_string, state__in=[ExportState.QUEUED, ExportState.RUNNING]
        )
        job = pending.first()
        if job is not None:
            return job
        job = ExportJob.objects.create(
            kind=kind, query=query_string, created_by=actor, language=translation.get_language() or ""
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id):
    from .jobs import run_export

    send_job(run_export, [job_id], what=f"export {job_id}", queue=settings.EXPORT_QUEUE)


def _claim(job_id, *, skip_locked):
    """Take a queued (or abandoned running) job: running, one more attempt. ``None`` when there
    is nothing to run; a job past ``MAX_ATTEMPTS`` is failed here."""
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(skip_locked=skip_locked, of=("self",))
            .filter(pk=job_id, state__in=[ExportState.QUEUED, ExportState.RUNNING])
            .select_related("created_by")
            .first()
        )
        if job is None:
            return None
        if job.attempts >= MAX_ATTEMPTS:
            _finish(
                job,
                ExportState.FAILED,
                error=_("导出作业已中断 %(n)d 次（后台进程被终止或超时），不再重试。请缩小筛选范围后重新导出。")
                % {"n": job.attempts},
            )
            return None
        job.state, job.started_at, job.attempts = ExportState.RUNNING, timezone.now(), job.attempts + 1
        job.save(update_fields=["state", "started_at", "attempts"])
    return job


def export_run(*, job_id, wait=False):
    """Write a queued export: the rows its requester may see now, to storage, then ``done`` and
    the announcement — or ``failed`` with the reason (and no file). Returns the job, or ``None``
    when there was nothing to run (finished, or being written by another worker)."""
    skip = not wait and connection.features.has_select_for_update_skip_locked
    claimed = _claim(job_id, skip_locked=skip)
    if claimed is None:
        return None
    with translation.override(claimed.language or settings.LANGUAGE_CODE):  # the asker's language
        return _run_claimed(job_id, skip)


def _run_claimed(job_id, skip):
    # The job's row stays locked while the file is written (minutes for a city); ``of`` keeps
    # the requester's user row out of the lock (their sign-in updates it).
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(skip_locked=skip, of=("self",))
            .filter(pk=job_id, state=ExportState.RUNNING)
            .select_related("created_by")
            .first()
        )
        if job is None:
            return None
        name = export_path(job, f"{job.token}.xlsx")
        try:
            with transaction.atomic():
                total, stored = _write(job, name)
        except ApplicationError as exc:
            _discard(name)
            _finish(job, ExportState.FAILED, error=exc.message)
        except SoftTimeLimitExceeded:
            _discard(name)
            _finish(job, ExportState.FAILED, error=_("导出超时，未生成文件。请缩小筛选范围后重新导出。"))
        except Exception:
            logger.exception("export %s failed", job.pk)
            _discard(name)
            _finish(
                job, ExportState.FAILED, error=_("导出时出错，未生成文件。请稍后重试；如仍失败，请联系系统管理员。")
            )
        else:
            job.file.name, job.total_rows = stored, total
            _finish(job, ExportState.DONE)
    return job


def _write(job, name):
    """Stream the job's rows into a workbook on a temporary file, then into storage as ``name``
    (replacing what an interrupted attempt left there). Returns ``(rows, stored name)``."""
    exporter = _exporter(job.kind)
    user = job.created_by
    if not user.is_active or not exporter.may_export(user):
        raise ApplicationError(_("导出人已无权导出该清单，未生成文件。"), code="forbidden")
    rows = exporter.rows(user, QueryDict(job.query))
    total = rows.order_by().count()  # exact here (a job), for the progress bar
    counted = [0]
    progress_set(job, 0, total)

    def counting(iterator):
        for row in iterator:
            yield row
            counted[0] += 1
            if counted[0] % CHUNK == 0:
                progress_set(job, counted[0], max(total, counted[0]))

    workbook = exporter.workbook(counting(rows.iterator(chunk_size=CHUNK)))
    with tempfile.TemporaryFile(suffix=".xlsx") as out:
        workbook.save(out)
        out.seek(0)
        _discard(name)
        stored = default_storage.save(name, File(out, name=name))
    if stored != name:  # the storage renamed it: keep the name it chose
        logger.warning("export %s stored as %s", job.pk, stored)
    progress_set(job, counted[0], counted[0])
    return counted[0], stored


def _discard(name):
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
    except OSError as exc:
        logger.warning("export file %s not deleted: %s", name, exc)


def _finish(job, state, *, error=""):
    """Record the outcome and announce it to the requester (in the same transaction: one
    message per job and outcome, however often this runs)."""
    job.state, job.error, job.finished_at = state, error, timezone.now()
    job.save(update_fields=["state", "error", "finished_at", "file", "total_rows"])
    exporter = registry.get_exporter(job.kind)
    label = exporter.label if exporter else job.kind
    if state == ExportState.DONE:
        title = _("导出完成：%(label)s（%(rows)s 行）") % {"label": label, "rows": f"{job.total_rows:,}"}
        body = _("文件已生成，%(days)d 天内可下载。") % {"days": settings.EXPORT_KEEP_DAYS}
    else:
        title, body = _("导出失败：%(label)s") % {"label": label}, error
    registry.notify(
        recipients=[job.created_by],
        kind="export",
        subject_key=f"export:{job.pk}",
        window=state,
        title=title,
        body=body,
        url=reverse("exports:job", args=[job.pk]),
    )


def export_progress(job):
    """``(done, total)`` rows of a running export (``total`` is 0 until it is known)."""
    return progress_get(job)


def filter_parts(kind, query):
    """``[(label, names, yes)]``: the list's filter as asked (a query string or QueryDict), in
    the list's words — each field by its label, each choice and region by its name when the
    exporter names its FilterSet; ``yes`` is True or False for a yes/no field (else None).
    Empty values, the page and the sort (which change no row) are left out."""
    query = query if isinstance(query, QueryDict) else QueryDict(query or "")
    fields = getattr(getattr(registry.get_exporter(kind), "filterset", None), "base_filters", {})
    parts = []
    for key, values in query.lists():
        values = [v for v in values if v]
        if key in ("page", "ordering", "cursor") or not values:
            continue
        field = fields.get(key)
        if field is None:
            parts.append((key, values, None))
            continue
        yes = None
        if isinstance(field, django_filters.BooleanFilter):
            names, yes = {"true": _("是"), "false": _("否")}, values[0] == "true"
        elif field.extra.get("queryset") is not None:
            chosen = field.extra["queryset"].filter(pk__in=[v for v in values if v.isdigit()])
            names = {str(o.pk): str(o) for o in chosen}
        else:
            names = dict(field.extra.get("choices") or [])
        parts.append((str(field.label), [str(names.get(v, v)) for v in values], yes))
    return parts


# Characters a file name may not hold on Windows (where most of these files are opened).
_NOT_IN_FILE_NAMES = str.maketrans({c: "_" for c in '\\/:*?"<>|\r\n\t'})
NAME_CONDITIONS_MAX = 40  # characters of conditions in a file name; past it they end with 等


def file_name(kind, query, moment):
    """``问题清单-甲区-较重-已销号-整改超期-20261204-0930.xlsx``: the list's name, what it was
    filtered by (each choice's name; a yes/no field's label when yes, 非<label> when no) and
    when it was asked for — two exports of one list are told apart in a download folder."""
    exporter = registry.get_exporter(kind)
    label = str(exporter.label if exporter else kind)
    words = []
    for field, names, yes in filter_parts(kind, query):
        if yes is None:
            words.append("、".join(names))
        else:
            words.append(field if yes else _("非%(label)s") % {"label": field})
    conditions = "-".join(words).translate(_NOT_IN_FILE_NAMES).strip()
    if len(conditions) > NAME_CONDITIONS_MAX:
        conditions = _("%(conditions)s等") % {"conditions": conditions[:NAME_CONDITIONS_MAX].rstrip("-、")}
    return "-".join(part for part in (label, conditions, f"{timezone.localtime(moment):%Y%m%d-%H%M}") if part) + ".xlsx"


def download_name(job):
    """The finished export's file name (:func:`file_name` of what it was asked with, and when)."""
    return file_name(job.kind, job.query, job.created_at)


def exports_resume(*, now=None):
    """The sweep: queue again the exports whose job was lost (never queued, or its worker died);
    one being written holds its row lock and is skipped. Returns the ids queued."""
    cut = (now or timezone.now()) - STALE_AFTER
    stale = Q(state=ExportState.QUEUED, created_at__lt=cut) | Q(state=ExportState.RUNNING, started_at__lt=cut)
    skip = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        ids = list(ExportJob.objects.select_for_update(skip_locked=skip).filter(stale).values_list("pk", flat=True))
    for pk in ids:
        _enqueue(pk)
    return ids


def exports_expire(*, now=None):
    """Delete the files of exports finished more than ``EXPORT_KEEP_DAYS`` ago (the rows stay,
    ``expired``). Returns how many."""
    cut = (now or timezone.now()) - timezone.timedelta(days=settings.EXPORT_KEEP_DAYS)
    expired = 0
    for job in ExportJob.objects.filter(state=ExportState.DONE, finished_at__lt=cut).iterator():
        if job.file:
            _discard(job.file.name)
        updated = ExportJob.objects.filter(pk=job.pk, state=ExportState.DONE).update(state=ExportState.EXPIRED, file="")
        expired += updated
    return expired
