"""Celery jobs of the ledger (thin: they call services)."""

from celery import shared_task

from . import services


@shared_task(name="tasks.generate_recurring")
def generate_recurring():
    """常态化: create this period's occurrence of every recurring task (idempotent by data)."""
    return [t.pk for t in services.task_generate_occurrences()]
