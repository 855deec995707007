"""Large list exports as jobs (issue 18 item 5): above ``EXPORT_INLINE_MAX_ROWS`` rows the 导出
button queues a background export instead of building the file in the request; the job writes
the rows the requester may see (the list's selector, filter and scope, re-applied when it runs),
once — a retry makes neither a second file nor a second notice —, only its requester (or a
system administrator) can download it, and old files are deleted."""

import dataclasses
import datetime as dt
import io
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chuangcheng.imports import exports, jobs
from chuangcheng.imports.models import ExportJob, ExportState
from chuangcheng.notifications.models import Delivery, Notice
from inspections import exports as issue_exports
from inspections.models import Issue, IssueState
from tests.inspections.test_pages import _bulk_issues

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """Jobs sent to the broker, captured (the tests run them themselves)."""
    sent = []
    monkeypatch.setattr(jobs.run_export, "apply_async", lambda args, **kw: sent.append(args[0]))
    return sent


@pytest.fixture
def small_inline(settings):
    settings.EXPORT_INLINE_MAX_ROWS = 5
    return 5


@pytest.fixture
def spread(campaign, categories, city, units):
    """Issues in 甲一社区 (甲一街道办's) and in 乙一社区 (乙一街道办's): 8 and 6, in two states."""
    a = {"campaign": campaign, "category": categories.garbage, "region": city.a1v, "unit": units.street_a1}
    b = {"campaign": campaign, "category": categories.garbage, "region": city.b1v, "unit": units.street_b1}
    _bulk_issues(6, **a, photos=False)
    _bulk_issues(2, **a, state=IssueState.SUBMITTED, photos=False)
    _bulk_issues(6, **b, photos=False)
    return Issue.objects.all()


def exported_ids(job):
    with default_storage.open(job.file.name, "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).worksheets[0]
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]


def ask(client, user, query=None, url="inspections:issue_export"):
    client.force_login(user)
    return client.get(reverse(url), query or {})


# --- the threshold --------------------------------------------------------------------------------


def test_a_small_list_is_still_downloaded_at_once(client, people, spread, small_inline, queued):
    response = ask(client, people.staff, {"state": "submitted"})  # 2 rows of 甲一街道办's
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert "attachment" in response["Content-Disposition"]
    assert len(list(load_workbook(io.BytesIO(response.content)).active.values)) == 1 + 2
    assert not ExportJob.objects.exists() and not queued


def test_a_large_list_becomes_a_job_and_its_page(
    client, people, spread, small_inline, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, people.staff, {"q": "批量", "page": "2"})  # 8 rows > 5
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[job.pk])
    assert (job.kind, job.query, job.created_by, job.state) == (
        "issues",
        "q=%E6%89%B9%E9%87%8F",
        people.staff,
        "queued",
    )
    assert queued == [job.pk]  # one message, after the commit
    page = client.get(response["Location"]).content.decode()
    status_url = reverse("exports:status", args=[job.pk])
    assert "排队中" in page and f'hx-get="{status_url}"' in page
    # Asking again while it waits gives the same job, not a second one.
    ask(client, people.staff, {"q": "批量"})
    assert ExportJob.objects.count() == 1


def test_the_decision_counts_at_most_one_row_past_the_threshold(people, spread, small_inline):
    rows = issue_exports.export_rows(people.supervisor, QueryDict())
    with CaptureQueriesContext(connection) as captured:
        assert exports.export_is_large(rows)
    (query,) = [q["sql"] for q in captured.captured_queries]
    assert "LIMIT 6" in query.upper() and "ORDER BY" not in query.upper()
    assert not exports.export_is_large(issue_exports.export_rows(people.staff, QueryDict("state=submitted")))


def test_exactly_the_threshold_is_still_inline(settings, people, spread):
    settings.EXPORT_INLINE_MAX_ROWS = 8  # 甲一街道办's staff see 8
    assert not exports.export_is_large(issue_exports.export_rows(people.staff, QueryDict()))
    settings.EXPORT_INLINE_MAX_ROWS = 7
    assert exports.export_is_large(issue_exports.export_rows(people.staff, QueryDict()))


# --- what the job writes --------------------------------------------------------------------------


def test_the_job_holds_only_what_its_requester_may_see(people, spread, city, queued):
    """A unit clerk's export never holds another unit's issue, even when the query names a
    region out of their scope; a supervisor's holds the city."""
    staff_job = exports.export_create(actor=people.staff, kind="issues", query="")
    sneaky = exports.export_create(actor=people.staff, kind="issues", query=f"region={city.b.pk}")
    city_job = exports.export_create(actor=people.supervisor, kind="issues", query="")
    for job in (staff_job, sneaky, city_job):
        assert exports.export_run(job_id=job.pk).state == ExportState.DONE
        job.refresh_from_db()
    mine = set(Issue.objects.visible_to(people.staff).values_list("pk", flat=True))
    assert len(mine) == 8 and set(exported_ids(staff_job)) == mine and staff_job.total_rows == 8
    assert set(exported_ids(sneaky)) <= mine
    assert set(exported_ids(city_job)) == set(Issue.objects.values_list("pk", flat=True))


def test_the_job_applies_the_lists_filter_and_order(people, spread, queued):
    job = exports.export_create(actor=people.supervisor, kind="issues", query="state=submitted&q=批量")
    exports.export_run(job_id=job.pk)
    job.refresh_from_db()
    _filterset, issues, _states = issue_exports.selectors.filtered_issues(
        user=people.supervisor, query=QueryDict("state=submitted&q=批量")
    )
    assert exported_ids(job) == list(issues.values_list("pk", flat=True)) and job.total_rows == 2


def test_the_job_checks_the_requester_again_when_it_runs(people, spread, queued):
    """A requester who may no longer export (here: switched off) gets a failed job, no file."""
    job = exports.export_create(actor=people.supervisor, kind="issues", query="")
    people.supervisor.is_active = False
    people.supervisor.save(update_fields=["is_active"])
    exports.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and "无权" in job.error and not job.file


def test_done_once_one_file_one_notice(people, spread, queued, django_capture_on_commit_callbacks):
    job = exports.export_create(actor=people.staff, kind="issues", query="")
    with django_capture_on_commit_callbacks(execute=True):
        exports.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == ExportState.DONE and job.file.name == f"exports/{job.created_at:%Y/%m}/{job.token}.xlsx"
    notice = Notice.objects.get(recipient=people.staff)
    assert "导出完成" in notice.title and notice.url == reverse("exports:job", args=[job.pk])
    # A redelivered message, the sweep: nothing more.
    assert exports.export_run(job_id=job.pk) is None
    assert jobs.run_export(job.pk) is None
    assert Notice.objects.filter(recipient=people.staff).count() == 1
    assert Delivery.objects.filter(subject_key=f"export:{job.pk}").values("channel").distinct().count() == (
        Delivery.objects.filter(subject_key=f"export:{job.pk}").count()
    )


@pytest.mark.postgres
def test_the_writer_locks_the_job_not_its_requester(people, spread, queued):
    """The job's row is locked for as long as the file is written; the requester's user row
    (updated when they sign in) is not."""
    job = exports.export_create(actor=people.staff, kind="issues", query="")
    with CaptureQueriesContext(connection) as captured:
        exports.export_run(job_id=job.pk)
    locking = [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locking) == 2 and all('FOR UPDATE OF "imports_exportjob"' in sql for sql in locking)


def test_a_retry_after_a_dead_worker_writes_one_file(people, spread, queued):
    """A worker died after storing the file but before recording it (the job still says
    running, a file lies in storage): the next run replaces that file, it does not add one."""
    job = exports.export_create(actor=people.staff, kind="issues", query="")
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, attempts=1, started_at=timezone.now())
    leftover = default_storage.save(f"exports/{job.created_at:%Y/%m}/{job.token}.xlsx", io.BytesIO(b"half"))
    exports.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == ExportState.DONE and job.file.name == leftover and job.attempts == 2
    folder = Path(default_storage.path(leftover)).parent
    assert [p.name for p in folder.iterdir()] == [f"{job.token}.xlsx"]
    assert len(exported_ids(job)) == 8


def test_a_job_that_keeps_dying_fails_with_a_reason(people, spread, queued, django_capture_on_commit_callbacks):
    job = exports.export_create(actor=people.staff, kind="issues", query="")
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, attempts=exports.MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.export_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and "中断 3 次" in job.error and job.finished_at
    assert "导出失败" in Notice.objects.get(recipient=people.staff).title


def test_an_error_while_writing_fails_the_job_and_leaves_no_file(people, spread, queued, monkeypatch):
    job = exports.export_create(actor=people.staff, kind="issues", query="")

    def broken(rows):
        list(rows)
        raise ValueError("boom")

    exporter = exports.registry.get_exporter("issues")
    monkeypatch.setitem(exports.registry._exporters, "issues", dataclasses.replace(exporter, workbook=broken))
    exports.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and "出错" in job.error and not job.file
    assert not default_storage.exists(f"exports/{job.created_at:%Y/%m}/{job.token}.xlsx")


def test_the_sweep_queues_lost_jobs_again(people, spread, queued):
    fresh = exports.export_create(actor=people.staff, kind="issues", query="")
    lost = exports.export_create(actor=people.supervisor, kind="issues", query="")
    dead = exports.export_create(actor=people.admin, kind="issues", query="")
    old = timezone.now() - exports.STALE_AFTER * 2
    ExportJob.objects.filter(pk=lost.pk).update(created_at=old)
    ExportJob.objects.filter(pk=dead.pk).update(created_at=old, state=ExportState.RUNNING, started_at=old)
    queued.clear()
    assert sorted(exports.exports_resume()) == sorted([lost.pk, dead.pk]) == sorted(queued)
    assert fresh.pk not in queued


def test_old_files_are_deleted(people, spread, queued):
    job = exports.export_create(actor=people.staff, kind="issues", query="")
    exports.export_run(job_id=job.pk)
    job.refresh_from_db()
    name = job.file.name
    assert exports.exports_expire() == 0 and default_storage.exists(name)
    later = timezone.now() + timezone.timedelta(days=8)
    assert exports.exports_expire(now=later) == 1
    job.refresh_from_db()
    assert job.state == ExportState.EXPIRED and not job.file and not default_storage.exists(name)


# --- the pages and the download -------------------------------------------------------------------


@pytest.fixture
def done_job(people, spread, queued):
    job = exports.export_create(actor=people.staff, kind="issues", query="")
    exports.export_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_only_the_requester_or_an_admin_downloads(client, people, done_job):
    url = reverse("exports:download", args=[done_job.pk])
    for user in (people.staff, people.admin):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert quote(exports.download_name(done_job)) in response["Content-Disposition"]
        rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
        assert len(rows) == 1 + 8
    for user in (people.head, people.supervisor, people.staff_b):  # same unit, the office, another unit
        client.force_login(user)
        assert client.get(url).status_code == 404, user
        assert client.get(reverse("exports:job", args=[done_job.pk])).status_code == 404, user
    client.logout()
    assert client.get(url).status_code == 302


def test_opening_the_export_reads_its_notice_for_the_requester_only(client, people, spread, queued):
    """The notice says the file is ready and links to the export's page: once the requester has
    that page (or the file) before them, it is read — not left in the bell. An administrator
    opening someone's export reads nothing of theirs; another notice stays unread."""
    first = exports.export_create(actor=people.staff, kind="issues", query="")
    exports.export_run(job_id=first.pk)
    second = exports.export_create(actor=people.staff, kind="issues", query="state=submitted")
    exports.export_run(job_id=second.pk)
    notices = {n.url: n for n in Notice.objects.filter(recipient=people.staff, kind="export")}
    page, other = reverse("exports:job", args=[first.pk]), reverse("exports:job", args=[second.pk])
    assert set(notices) == {page, other} and all(n.read_at is None for n in notices.values())

    client.force_login(people.admin)
    assert client.get(page).status_code == 200
    assert client.get(reverse("exports:download", args=[first.pk])).status_code == 200
    assert Notice.objects.get(pk=notices[page].pk).read_at is None

    client.force_login(people.staff)
    response = client.get(page)
    assert response.status_code == 200
    assert Notice.objects.get(pk=notices[page].pk).read_at is not None
    assert Notice.objects.get(pk=notices[other].pk).read_at is None

    response = client.get(reverse("exports:download", args=[second.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert Notice.objects.get(pk=notices[other].pk).read_at is not None


def test_a_running_export_page_reads_no_notice(client, people, spread, queued):
    job = exports.export_create(actor=people.staff, kind="issues", query="")
    client.force_login(people.staff)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("exports:job", args=[job.pk])).status_code == 200
    assert not [q for q in queries.captured_queries if "notifications_notice" in q["sql"] and "UPDATE" in q["sql"]]


def test_the_download_is_named_after_the_list_and_the_time(done_job):
    stamp = timezone.localtime(done_job.created_at).strftime("%Y%m%d-%H%M")
    assert exports.download_name(done_job) == f"问题清单-{stamp}.xlsx"


def test_no_download_before_it_is_done(client, people, spread, queued):
    job = exports.export_create(actor=people.staff, kind="issues", query="")
    client.force_login(people.staff)
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404


def test_the_job_page_shows_progress_then_the_download(client, people, spread, queued):
    job = exports.export_create(actor=people.staff, kind="issues", query="state=rectifying")
    client.force_login(people.staff)
    exports.progress_set(job, 2000, 8000)
    status = client.get(reverse("exports:status", args=[job.pk]), headers={"HX-Request": "true"})
    assert "2000 / 8000 行" in status.content.decode() and "HX-Refresh" not in status
    exports.export_run(job_id=job.pk)
    status = client.get(reverse("exports:status", args=[job.pk]), headers={"HX-Request": "true"})
    assert status["HX-Refresh"] == "true"
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert reverse("exports:download", args=[job.pk]) in page and "共 6 行" in page
    assert reverse("inspections:issue_list") + "?state=rectifying" in page  # back to the list as filtered
    mine = client.get(reverse("exports:index")).content.decode()
    assert reverse("exports:job", args=[job.pk]) in mine and "问题清单" in mine


def test_my_exports_lists_only_mine(client, people, done_job):
    client.force_login(people.admin)
    page = client.get(reverse("exports:index")).content.decode()
    assert reverse("exports:job", args=[done_job.pk]) not in page and "还没有后台导出" in page


# --- the other lists ------------------------------------------------------------------------------


def test_the_inspection_list_export_stays_inline_when_small(client, people, small_inline):
    response = ask(client, people.supervisor, url="inspections:inspection_export")
    assert response.status_code == 200 and quote("检查清单-") in response["Content-Disposition"]
    assert not ExportJob.objects.exists()


def test_the_file_is_in_the_language_the_person_asked_in(people, spread, queued):
    """QA: a small export followed the language switch and a large one did not."""
    from django.utils import translation

    with translation.override("en"):
        job = exports.export_create(actor=people.supervisor, kind="issues", query={})
    exports.export_run(job_id=job.pk)
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert job.language == "en" and "状态" not in header and "Status" in header


def test_an_export_names_its_filter_as_the_list_does(client, people, city):
    """我的导出 tells two exports apart by their filters, in the list's words: each field by its
    label, each choice and region by its name; the empty fields, the page and the sort left out."""
    from chuangcheng.imports.export_views import filter_text

    query = f"q=%E4%BA%95%E7%9B%96&campaign=&region={city.a.pk}&severity=serious&state=closed&overdue=true&ordering=-created_at&page=3"
    job = ExportJob.objects.create(kind="issues", query=query, created_by=people.supervisor)
    assert filter_text(job) == "关键词=井盖 · 区域（含下级）=甲区 · 严重程度=较重 · 状态=已销号 · 超期未改=是"
    client.force_login(people.supervisor)
    assert "筛选条件：关键词=井盖" in client.get(reverse("exports:job", args=[job.pk])).content.decode()
    client.cookies["django_language"] = "en"
    page = client.get(reverse("exports:index")).content.decode()
    assert "Filter: Keyword=井盖" in page and "Severity=" in page


def test_an_exports_file_is_named_after_its_filter(client, people, city, make_issue):
    """Two exports of one list are told apart in a download folder: the file names what it was
    filtered by (a yes/no field by its label, 非… when no), short, with nothing a file name
    may not hold — for the file at once as for the job's download."""
    moment = timezone.make_aware(dt.datetime(2026, 12, 4, 9, 30))
    query = f"q=a/b:c&region={city.a.pk}&severity=serious&state=closed&overdue=true&urgent=false&ordering=deadline"
    name = exports.file_name("issues", query, moment)
    assert name == "问题清单-a_b_c-甲区-较重-已销号-超期未改-非紧急-20261204-0930.xlsx"
    assert exports.file_name("issues", "", moment) == "问题清单-20261204-0930.xlsx"
    long = exports.file_name("issues", "q=" + "井盖" * 40, moment)
    assert long == "问题清单-" + "井盖" * 20 + "等-20261204-0930.xlsx"
    make_issue(region=city.a1)
    client.force_login(people.supervisor)
    response = client.get(reverse("inspections:issue_export"), {"severity": "serious", "overdue": "false"})
    assert (
        "filename*=utf-8''%E9%97%AE%E9%A2%98%E6%B8%85%E5%8D%95-%E8%BE%83%E9%87%8D-" in response["Content-Disposition"]
    )
