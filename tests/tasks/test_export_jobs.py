"""任务台账's large export as a job (issue 18 item 5): the same threshold and job as 问题清单's
(tests/inspections/test_export_jobs.py); here, what is the ledger's own — who may export it, and
that the job writes the ledger as that person filters and sees it."""

import io

import pytest
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.urls import reverse
from openpyxl import load_workbook

from chuangcheng.imports import exports, jobs
from chuangcheng.imports.models import ExportJob, ExportState
from tasks import selectors
from tests.tasks.test_pages import _bulk_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def setup(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_INLINE_MAX_ROWS = 10
    monkeypatch.setattr(jobs.run_export, "apply_async", lambda args, **kw: None)


@pytest.fixture
def ledger(campaign, units, city):
    _bulk_tasks(12, campaign=campaign, owner_unit=units.street_a1, region=city.a1, lead_unit=units.gov_a)
    _bulk_tasks(9, campaign=campaign, owner_unit=units.street_b1, region=city.b1, lead_unit=units.gov_b)


def titles(job):
    with default_storage.open(job.file.name, "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).worksheets[0]
    return [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_a_clerk_still_may_not_export_the_ledger(client, people, ledger):
    client.force_login(people.staff)
    assert client.get(reverse("tasks:export")).status_code == 403
    assert not ExportJob.objects.exists()


def test_a_large_ledger_is_written_by_a_job_as_its_reader_sees_it(client, people, ledger, city):
    client.force_login(people.head)  # 甲一街道办's head: their 12 tasks, not 乙一's
    assert client.get(reverse("tasks:export"), {"region": city.a.pk}).status_code == 302
    job = ExportJob.objects.get(kind="tasks")
    exports.export_run(job_id=job.pk)
    job.refresh_from_db()
    _f, expected, _s = selectors.filtered_ledger(user=people.head, query=QueryDict(f"region={city.a.pk}"))
    assert job.state == ExportState.DONE and job.total_rows == 12
    assert titles(job) == list(expected.values_list("title", flat=True))
    assert exports.download_name(job).startswith("任务台账-")
    client.force_login(people.supervisor)
    response = client.get(reverse("tasks:export"), {"region": city.b.pk})  # 9: at once, as before
    assert response.status_code == 200 and len(list(load_workbook(io.BytesIO(response.content)).active.values)) == 10
