"""Celery jobs of the import pages (thin: they call services)."""

from celery import shared_task

from . import services


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
