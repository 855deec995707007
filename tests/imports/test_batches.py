"""The import pages' batches (issue 19 item 5): a preview is confirmed once — a second confirm,
even at the same moment, imports nothing; large files run as a job (one broker message) with
progress on the page; a lost job is picked up by the sweep; a refusal at write time is recorded
and writes nothing."""

import dataclasses
import datetime as dt
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from chuangcheng.exceptions import ApplicationError
from chuangcheng.imports import jobs, registry, services
from chuangcheng.imports.models import BatchState, ImportBatch
from tasks.imports import import_tasks
from tasks.models import Task
from tests.fixtures import builders, world

EXPECTED_TASKS = 28  # the 20-row 任务分解表: three rows decomposed (3 + 3 + 2 children)


def fixed_rows():
    rows = [list(r) for r in builders.TASK_ROWS]
    rows[builders.UNKNOWN_LEADER_ROW - 1][6] = "王建国"
    return rows


def task_batch(zz, tmp_path):
    path = builders.task_table_xlsx(tmp_path / "任务分解表.xlsx", rows=fixed_rows())
    upload = SimpleUploadedFile("任务分解表.xlsx", path.read_bytes())
    batch = services.batch_create(
        actor=zz.supervisor, kind="tasks", upload=upload, options={"campaign": zz.campaign.pk}
    )
    services.batch_preview(batch)
    return batch


@pytest.fixture
def small_background(monkeypatch):
    """The tasks import queues a job above 5 rows (instead of 500), and the job is captured."""
    importer = registry.get("tasks")
    monkeypatch.setitem(registry._importers, "tasks", dataclasses.replace(importer, background_rows=5))
    sent = []
    monkeypatch.setattr(jobs.run_batch, "apply_async", lambda args, **kw: sent.append(args))
    return sent


@pytest.mark.django_db
def test_a_second_confirm_imports_nothing(tmp_path):
    zz = world.build()
    batch = task_batch(zz, tmp_path)
    assert batch.total_rows == 20
    done = services.batch_confirm(actor=zz.supervisor, batch_id=batch.pk)
    assert done.state == BatchState.DONE and Task.objects.count() == EXPECTED_TASKS
    with pytest.raises(ApplicationError) as exc:
        services.batch_confirm(actor=zz.supervisor, batch_id=batch.pk)
    assert exc.value.code == "conflict" and "不会重复导入" in exc.value.message
    assert Task.objects.count() == EXPECTED_TASKS
    # Uploading the same file again finds every row imported already.
    again = task_batch(zz, tmp_path)
    assert all(p.duplicate for p in services.batch_preview(again).rows)
    services.batch_confirm(actor=zz.supervisor, batch_id=again.pk)
    assert Task.objects.count() == EXPECTED_TASKS


@pytest.mark.django_db
def test_a_large_file_runs_as_one_job_with_progress_on_the_page(
    tmp_path, client, small_background, django_capture_on_commit_callbacks
):
    zz = world.build()
    batch = task_batch(zz, tmp_path)
    client.force_login(zz.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:confirm", args=[batch.pk]), follow=True)
    assert small_background == [[batch.pk]]  # one broker message for the whole file
    assert Task.objects.count() == 0
    page = response.content.decode()
    assert 'data-testid="import-status"' in page and "0 / 20 行" in page and 'hx-trigger="every 2s"' in page
    assert jobs.run_batch(batch.pk) == BatchState.DONE
    assert Task.objects.count() == EXPECTED_TASKS
    assert services.progress_get(ImportBatch.objects.get(pk=batch.pk)) == (20, 20)
    status = client.get(reverse("imports:status", args=[batch.pk]))
    assert status["HX-Refresh"] == "true"  # finished: the page reloads to show the outcome
    assert jobs.run_batch(batch.pk) is None  # a redelivered message finds it done
    assert Task.objects.count() == EXPECTED_TASKS
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert 'data-testid="import-done"' in page and "新建任务 28 个" in page


@pytest.mark.django_db
def test_the_sweep_runs_a_batch_whose_job_was_lost(tmp_path, small_background):
    zz = world.build()
    batch = task_batch(zz, tmp_path)
    services.batch_confirm(actor=zz.supervisor, batch_id=batch.pk)  # queued; its message "lost"
    assert services.batches_resume() == []  # not stale yet
    later = timezone.now() + dt.timedelta(minutes=11)
    assert services.batches_resume(now=later) == [batch.pk]
    assert Task.objects.count() == EXPECTED_TASKS
    assert services.batches_resume(now=later) == []


@pytest.mark.django_db
def test_a_refusal_at_write_time_is_recorded_and_writes_nothing(tmp_path, client):
    zz = world.build()
    batch = task_batch(zz, tmp_path)
    zz.departments["郑州市园林局"].is_active = False  # the unit was disabled after the preview
    zz.departments["郑州市园林局"].save(update_fields=["is_active"])
    done = services.batch_confirm(actor=zz.supervisor, batch_id=batch.pk)
    assert done.state == BatchState.FAILED and Task.objects.count() == 0
    assert any("园林局" in message for _line, message in done.errors)
    client.force_login(zz.supervisor)
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert 'data-testid="import-errors"' in page and "园林局" in page
    client.force_login(zz.li)  # someone else's upload: not found
    assert client.get(reverse("imports:batch", args=[batch.pk])).status_code == 404


def _race(target, count=2):
    barrier = threading.Barrier(count)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(target())
        except ApplicationError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirms_of_one_preview_import_one_set_of_tasks(tmp_path):
    zz = world.build()
    batch = task_batch(zz, tmp_path)
    results = _race(lambda: services.batch_confirm(actor=zz.supervisor, batch_id=batch.pk).state)
    assert sorted(map(str, results)) == ["conflict", "done"]
    assert Task.objects.count() == EXPECTED_TASKS
    assert Task.objects.filter(parent__isnull=True).values("import_key").distinct().count() == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_imports_of_one_file_write_it_once(tmp_path):
    """Without the batch (two operators running import_tasks at once): the unique import key
    lets one transaction write the rows; the other writes nothing and says why."""
    zz = world.build()
    path = builders.task_table_xlsx(tmp_path / "任务分解表.xlsx", rows=fixed_rows())

    def run():
        return import_tasks(path, campaign=zz.campaign, actor=zz.supervisor).created

    from chuangcheng.tabular import ImportErrors

    outcomes = []

    def guarded():
        try:
            return run()
        except ImportErrors as exc:
            return exc.errors[0][1]

    outcomes = _race(guarded)
    assert EXPECTED_TASKS in outcomes
    assert all(o == EXPECTED_TASKS or o == 0 or "另一次导入" in str(o) for o in outcomes)
    assert Task.objects.count() == EXPECTED_TASKS
