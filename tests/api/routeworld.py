"""One object of every kind a route names, for the route walk (tests/api/test_routes.py), built
through the services with the shared fixtures: what 甲一街道办事处 owns (a task in progress with
a file and a submitted one, issues reported, submitted and closed, a 档案资料 requirement with a
material, a 约谈 and a 问责 decision about it) is in the clerk's sight; the rest (an inspection, a
模拟测评 round, an import batch) is the office's."""

import datetime as dt
from types import SimpleNamespace

from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accountability import services as accountability
from chuangcheng.imports.models import ExportJob, ExportState, ImportBatch
from chuangcheng.notifications.models import Notice
from chuangcheng.reports import periods
from chuangcheng.reports.briefings.services import briefing_build
from dossiers import services as dossiers
from evaluations import services as evaluations
from evaluations.models import RoundSite
from inspections import services as issues
from inspections.services import citizen
from tasks import services as tasks
from tests.dossiers.conftest import pdf
from tests.factories import TaskFactory
from tests.inspections.conftest import upload
from tests.tasks.conftest import png


def build(*, people, city, units, campaign, task, make_issue, categories, dossier, checklist):
    """``SimpleNamespace`` of primary keys and codes, named as the routes' arguments are."""
    cache.clear()  # the 随手拍 pages count look-ups per address in the cache
    today = timezone.localdate()
    tasks.task_report(actor=people.staff, task_id=task.pk, progress=50, note="过半", files=[png()])
    submitted_task = TaskFactory(
        campaign=campaign, owner_unit=units.street_a1, lead_unit=units.gov_a, region=city.a1, title="公厕保洁"
    )
    tasks.task_submit(actor=people.staff, task_id=submitted_task.pk, note="完成", files=[png()])
    issue = make_issue("submitted")
    inspection = issues.inspection_create(
        actor=people.supervisor, campaign=campaign, kind="supervision", date=today, region=city.a
    )
    version = dossiers.material_upload(actor=people.staff, requirement_id=dossier.jia.pk, file=pdf(), title="纪要")

    round_ = evaluations.round_create(
        actor=people.supervisor,
        campaign=campaign,
        name="第1轮",
        region=city.city,
        starts_on=today,
        ends_on=today + dt.timedelta(days=2),
        quotas={"market": 1},
        seed=3,
        inspectors=[people.supervisor],
    )
    sweep = evaluations.sweep_create(
        actor=people.supervisor,
        campaign=campaign,
        region=city.city,
        site_type="market",
        due_on=today + dt.timedelta(days=3),
        item=checklist.items.m1,
    )
    held = timezone.now() - dt.timedelta(hours=1)
    interview = accountability.interview_record(
        actor=people.supervisor,
        campaign=campaign,
        unit=units.street_a1,
        held_at=held,
        interviewee="主任",
        interviewers="市创建办",
        reason="问题超期未改",
    )
    decision = accountability.decision_record(
        actor=people.supervisor,
        campaign=campaign,
        kind="criticism",
        unit=units.street_a1,
        decided_on=today,
        decided_by="市创建办",
        description="通报批评",
        document=pdf(name="决定.pdf"),
    )
    briefing, _created = briefing_build(
        campaign=campaign, kind="weekly", day=periods.last_finished_period("weekly")[0], publish=True
    )
    notice = Notice.objects.create(recipient=people.staff, title="新任务", kind="task.assigned", url="/tasks/mine/")
    batch = ImportBatch.objects.create(kind="units", created_by=people.admin, original_name="单位名录.xlsx")
    export_job = ExportJob.objects.create(kind="issues", created_by=people.admin, state=ExportState.DONE)

    report = citizen.citizen_report_create(
        campaign=campaign,
        category=categories.garbage,
        description="垃圾桶满溢",
        photos=[upload(3)],
        region=city.a1v,
        address="甲一路 8 号",
    )
    issues.issue_accept(actor=people.supervisor, issue_id=report.pk)
    issues.issue_sign(actor=people.staff, issue_id=report.pk)
    issues.issue_submit(actor=people.staff, issue_id=report.pk, measures="已清理", photos=[upload(4)])
    issues.issue_verify(actor=people.supervisor, issue_id=report.pk)
    after_photo = citizen.citizen_report_status(report.tracking_code).after_photo_ids[0]

    return SimpleNamespace(
        task=task.pk,
        attachment=task.attachments.get().pk,
        submitted_task=submitted_task.pk,
        issue=issue.pk,
        reported_issue=make_issue("reported").pk,
        closed_issue=make_issue("closed").pk,
        photo=issue.photos.first().pk,
        inspection=inspection.pk,
        requirement=dossier.jia.pk,
        material=version.material_id,
        version=version.pk,
        round=round_.pk,
        round_site=RoundSite.objects.filter(round=round_).first().pk,
        sweep=sweep.pk,
        interview=interview.pk,
        decision=decision.pk,
        briefing=briefing.pk,
        notice=notice.pk,
        batch=batch.pk,
        export_job=export_job.pk,
        unit=units.street_a1.pk,
        code=report.tracking_code,
        citizen_photo=after_photo,
        uidb64=urlsafe_base64_encode(force_bytes(people.nobody.pk)),
        token=default_token_generator.make_token(people.nobody),
    )
