"""A large 问题清单 export through the real parts (issue 18 item 5): the 导出 button's request
queues the job on Redis after its commit, a real Celery worker writes the file (PostgreSQL cursor,
write-only workbook, storage on disk), and the file opens in openpyxl with one row per issue the
requester may see; the requester is notified once. A worker killed while writing leaves the job
to the sweep, and the next worker finishes it with one file and one notice."""

import io
import os
import signal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chuangcheng.imports import exports
from chuangcheng.imports.models import ExportJob, ExportState
from chuangcheng.notifications.models import Notice
from inspections.models import Issue
from tests.celery_worker import real_worker
from tests.inspections.test_pages import _bulk_issues
from tests.notifications.test_real_worker import worker_pid

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS_A, ROWS_B = 4500, 700  # 甲一社区 (more than two chunks of 2,000), 乙一社区


def test_a_big_export_completes_on_a_real_worker(
    client, people, campaign, categories, city, units, settings, monkeypatch
):
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))  # the worker stores where we read
    settings.EXPORT_INLINE_MAX_ROWS = 3000
    bulk = {"campaign": campaign, "category": categories.garbage, "photos": False}
    _bulk_issues(ROWS_A, region=city.a1v, unit=units.street_a1, **bulk)
    _bulk_issues(ROWS_B, region=city.b1v, unit=units.street_b1, **bulk)
    visible = Issue.objects.visible_to(people.head).count()
    assert visible == ROWS_A

    with real_worker() as (queue, wait):
        settings.EXPORT_QUEUE = queue  # the request's message goes to this worker
        client.force_login(people.head)
        response = client.get(reverse("inspections:issue_export"))
        job = ExportJob.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[job.pk])
        finished = ExportJob.objects.filter(pk=job.pk).exclude(state__in=[ExportState.QUEUED, ExportState.RUNNING])
        assert wait(finished.exists, timeout=120), "the worker never finished the export"

    job.refresh_from_db()
    assert (job.state, job.error, job.total_rows, job.attempts) == (ExportState.DONE, "", ROWS_A, 1)
    with default_storage.open(job.file.name, "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and len(rows) == 1 + ROWS_A
    assert {r[0] for r in rows[1:]} == set(Issue.objects.visible_to(people.head).values_list("pk", flat=True))
    assert Notice.objects.filter(recipient=people.head, url=reverse("exports:job", args=[job.pk])).count() == 1
    download = client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200 and len(b"".join(download.streaming_content)) == job.file.size


def test_an_export_whose_worker_was_killed_is_finished_once_by_the_sweep(
    people, campaign, categories, city, units, settings, monkeypatch
):
    """SIGKILL while the worker writes: the job is left running (its row lock dies with the
    worker's connection); the sweep queues it again and a new worker writes it — one file, one
    notice, two attempts."""
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    _bulk_issues(
        20000, campaign=campaign, category=categories.garbage, region=city.a1v, unit=units.street_a1, photos=False
    )
    with real_worker() as (queue, wait):
        settings.EXPORT_QUEUE = queue
        job = exports.export_create(actor=people.supervisor, kind="issues", query="")
        exports._enqueue(job.pk)  # what the commit hook does (this test holds no request)
        assert wait(lambda: exports.export_progress(job)[0] >= 2000, timeout=120), "the export never got going"
        os.kill(worker_pid(queue), signal.SIGKILL)
    job.refresh_from_db()
    assert job.state == ExportState.RUNNING and job.attempts == 1
    ExportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - exports.STALE_AFTER * 2)

    with real_worker() as (queue, wait):
        settings.EXPORT_QUEUE = queue
        assert exports.exports_resume() == [job.pk]
        done = ExportJob.objects.filter(pk=job.pk, state=ExportState.DONE)
        assert wait(done.exists, timeout=180), ExportJob.objects.get(pk=job.pk).error

    job.refresh_from_db()
    assert (job.total_rows, job.attempts) == (20000, 2)
    folder = default_storage.path(job.file.name).rsplit("/", 1)[0]
    assert os.listdir(folder) == [f"{job.token}.xlsx"]
    assert Notice.objects.filter(recipient=people.supervisor, url=reverse("exports:job", args=[job.pk])).count() == 1
