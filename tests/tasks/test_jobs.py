"""The recurrence job through a real Celery worker over Redis: run twice, one occurrence."""

import datetime as dt

import pytest
from django.utils import timezone

from tasks import jobs
from tasks.models import Task
from tests.celery_worker import real_worker
from tests.factories import TaskFactory


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_recurrence_job_twice_through_a_real_worker_creates_one_occurrence(campaign, units):
    today = timezone.localdate()
    template = TaskFactory(
        campaign=campaign,
        owner_unit=units.street_a1,
        start_date=today - dt.timedelta(days=today.weekday()),  # this week's Monday
        deadline=today + dt.timedelta(days=90),
        recurrence="weekly",
    )
    with real_worker() as (queue, wait):
        first = jobs.generate_recurring.apply_async(queue=queue)
        second = jobs.generate_recurring.apply_async(queue=queue)
        assert first.id != second.id
        assert wait(lambda: Task.objects.filter(parent=template).exists())
        # Both messages consumed: the worker handles one at a time, so wait for the queue to drain.
        assert wait(lambda: _queue_empty(queue), timeout=30)
    occurrences = Task.objects.filter(parent=template)
    assert occurrences.count() == 1
    assert occurrences.get().occurrence_date == template.start_date


def _queue_empty(queue):
    from chuangcheng.celery import app

    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue) == 0
