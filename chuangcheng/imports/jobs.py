"""Celery jobs of the import pages and the background exports (thin: they call services)."""

from celery import shared_task

from . import exports, services


@shared_task(name="imports.run_batch", soft_time_limit=1800, time_limit=1900)
def run_batch(batch_id):
    """Import a confirmed batch (queued by the confirm for large files). Idempotent: a batch
    already done, failed or being run by another worker is left alone."""
    batch = services.batch_run(batch_id=batch_id)
    return batch.state if batch is not None else None


@shared_task(name="imports.resume_batches")
def resume_batches():
    """The sweep (beat, every 5 minutes): confirmed batches whose job was lost."""
    return services.batches_resume()


@shared_task(name="imports.run_export", soft_time_limit=3600, time_limit=3700)
def run_export(job_id):
    """Write a queued export (后台导出). Idempotent: an export already finished, or being
    written by another worker, is left alone. An hour at most: a city's million issues
    take many times the default limit (openpyxl writes each cell in Python)."""
    job = exports.export_run(job_id=job_id)
    return job.state if job is not None else None


@shared_task(name="imports.resume_exports")
def resume_exports():
    """The sweep (beat, every 5 minutes): queue again exports whose job was lost."""
    return exports.exports_resume()


@shared_task(name="imports.expire_exports")
def expire_exports():
    """Daily: delete export files older than EXPORT_KEEP_DAYS."""
    return exports.exports_expire()
