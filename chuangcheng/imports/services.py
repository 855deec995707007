"""Writes of the import pages: keep an upload, confirm it once, run it, record the outcome.

The flow: :func:`batch_create` keeps the file (Django's storage API) as a ``previewed`` batch;
the page shows the importer's dry run; :func:`batch_confirm` moves the batch out of
``previewed`` under a row lock — the only way in, so a second confirm (a double click, a
replayed POST, two browsers at once) finds it taken and imports nothing; :func:`batch_run`
writes it in one transaction (all or nothing) — within the request for small files, in the
``imports.run_batch`` job for large ones, with progress in the cache for the page to poll.
"""

import logging
import uuid
from pathlib import PurePath

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from chuangcheng.exceptions import ApplicationError
from chuangcheng.tabular import ImportErrors

from . import registry
from .models import BatchState, ImportBatch

logger = logging.getLogger(__name__)

PREVIEW_MAX_AGE = timezone.timedelta(hours=24)  # a preview can be confirmed within a day
PROGRESS_SECONDS = 6 * 60 * 60
# A queued batch whose job never came (broker down when it was confirmed), or a running one
# whose worker died, is picked up by the sweep after this long.
STALE_AFTER = timezone.timedelta(minutes=10)


def _importer(kind):
    importer = registry.get(kind)
    if importer is None:
        raise ApplicationError(_("未知的导入类型。"), code="not_found")
    return importer


def batch_create(*, actor, kind, upload, options):
    """Keep ``upload`` as a batch waiting for its preview to be confirmed."""
    importer = _importer(kind)
    if not importer.may_import(actor):
        raise ApplicationError(_("您没有权限使用该导入。"), code="forbidden")
    name = PurePath(getattr(upload, "name", "") or "upload").name[:200]
    suffix = PurePath(name).suffix.lower()[:10]
    upload.seek(0)
    batch = ImportBatch(kind=kind, created_by=actor, original_name=name, options=options or {})
    batch.file.save(f"{uuid.uuid4().hex}{suffix}", ContentFile(upload.read()), save=False)
    batch.save()
    return batch


def batch_data(batch):
    with batch.file.open("rb") as handle:
        return handle.read()


def batch_preview(batch):
    """The importer's dry run of the batch (raises :class:`ImportErrors`); records the row count."""
    importer = _importer(batch.kind)
    preview = importer.preview(batch)
    rows = len(getattr(preview, "rows", []) or [])
    if batch.state == BatchState.PREVIEWED and rows != batch.total_rows:
        ImportBatch.objects.filter(pk=batch.pk).update(total_rows=rows)
        batch.total_rows = rows
    return preview


def batch_confirm(*, actor, batch_id, now=None):
    """确认导入: take the batch out of ``previewed`` (once) and run it — at once when small,
    else by a job after the commit. Returns the batch."""
    now = now or timezone.now()
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id, created_by=actor).first()
        if batch is None:
            raise ApplicationError(_("导入批次不存在。"), code="not_found")
        importer = _importer(batch.kind)
        if not importer.may_import(actor):
            raise ApplicationError(_("您没有权限使用该导入。"), code="forbidden")
        if batch.state != BatchState.PREVIEWED:
            raise ApplicationError(
                _("这份文件已确认过（%(state)s），不会重复导入。") % {"state": batch.get_state_display()},
                code="conflict",
            )
        if now - batch.created_at > PREVIEW_MAX_AGE:
            raise ApplicationError(_("预览已超过 24 小时，请重新上传文件。"), code="conflict")
        background = batch.total_rows > importer.background_rows
        batch.state, batch.confirmed_at = BatchState.QUEUED, now
        batch.save(update_fields=["state", "confirmed_at"])
        if background:
            transaction.on_commit(lambda: _enqueue(batch.pk))
    if not background:
        batch_run(batch_id=batch.pk)
        batch.refresh_from_db()
    return batch


def _enqueue(batch_id):
    from .jobs import run_batch

    send_job(run_batch, [batch_id], what=f"import batch {batch_id}")


def send_job(job, args, *, what, queue=None):
    """One broker message for ``job``, best effort (one connection attempt, 2 s): when the
    broker is down the batch or export stays queued and its beat sweep runs it."""
    try:
        with job.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            options = {"queue": queue} if queue else {}
            job.apply_async(args=args, retry=False, connection=conn, **options)
    except (KombuError, OSError, RedisError) as exc:
        logger.warning("%s not queued (%r); the sweep will run it", what, exc)


def _progress_key(item):
    # The item's creation time too: ids start again after a database is restored or recreated
    # (a test run), and a stale count left in Redis must not pass for this batch's.
    return f"imports:{item._meta.model_name}:{item.pk}:{item.created_at.timestamp():.6f}:progress"


def progress_set(item, done, total):
    """Record ``done`` of ``total`` rows of a running batch or export job (in the cache)."""
    try:
        cache.set(_progress_key(item), [done, total], PROGRESS_SECONDS)
    except (OSError, RedisError) as exc:  # progress is a nicety; the job goes on
        logger.info("progress not recorded: %s", exc)


def progress_get(item):
    """``(done, total)`` rows of a running batch or export job (``(0, total)`` when unknown)."""
    try:
        value = cache.get(_progress_key(item))
    except (OSError, RedisError):
        value = None
    return tuple(value) if value else (0, item.total_rows)


def batch_run(*, batch_id, wait=True):
    """Import a confirmed batch in one transaction, holding its row lock throughout. A second
    runner waits for the first and then finds it done (``wait=False``, the sweep: skips a batch
    someone is running). The importer's refusal (the data changed since the preview) rolls its
    writes back and is recorded on the batch. Returns the batch, or ``None`` when there was
    nothing to run (already done or failed, or — not waiting — being run)."""
    with transaction.atomic():
        skip = not wait and connection.features.has_select_for_update_skip_locked
        locked = ImportBatch.objects.select_for_update(skip_locked=skip).filter(
            pk=batch_id, state__in=[BatchState.QUEUED, BatchState.RUNNING]
        )
        batch = locked.first()
        if batch is None:
            return None
        importer = _importer(batch.kind)
        progress_set(batch, 0, batch.total_rows)
        try:
            with transaction.atomic():
                summary, result = importer.apply(batch, lambda done, total: progress_set(batch, done, total))
        except ImportErrors as exc:
            batch.state, batch.errors = BatchState.FAILED, [[line, str(msg)] for line, msg in exc.errors]
            batch.summary = _("导入时发现错误，未写入任何数据。")
        except ApplicationError as exc:
            batch.state, batch.errors, batch.summary = BatchState.FAILED, [[None, exc.message]], exc.message
        else:
            batch.state, batch.summary, batch.result = BatchState.DONE, str(summary), result or {}
        batch.finished_at = timezone.now()
        batch.save(update_fields=["state", "summary", "errors", "result", "finished_at"])
    return batch


def batches_resume(*, now=None):
    """The sweep: run confirmed batches whose job was lost (never queued, or its worker died).
    Returns the ids it ran."""
    now = now or timezone.now()
    stale = ImportBatch.objects.filter(
        state__in=[BatchState.QUEUED, BatchState.RUNNING], confirmed_at__lt=now - STALE_AFTER
    ).values_list("pk", flat=True)
    return [pk for pk in stale if batch_run(batch_id=pk, wait=False) is not None]
