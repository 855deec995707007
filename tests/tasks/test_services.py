"""The ledger's state machine through its services: every path and every refusal."""

import datetime as dt

import pytest
from django.utils import timezone

from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.models import Notice
from chuangcheng.org.models import Membership
from tasks import services
from tasks.models import Task, TaskAttachment, TaskEvent, TaskUpdate
from tasks.workflow import allowed_actions
from tests.factories import TaskFactory
from tests.tasks.conftest import fake_jpg, png

pytestmark = pytest.mark.django_db


def refuse(code, fn, **kwargs):
    with pytest.raises(ApplicationError) as exc:
        fn(**kwargs)
    assert exc.value.code == code, exc.value.message
    return exc.value


def test_full_cycle_with_return_and_resubmit(task, people):
    services.task_report(actor=people.staff, task_id=task.pk, progress=60, note="已清理3条小巷", files=[png()])
    task.refresh_from_db()
    assert (task.state, task.progress) == ("in_progress", 60)
    assert TaskAttachment.objects.filter(task=task).count() == 1
    services.task_submit(actor=people.staff, task_id=task.pk, note="全部完成")
    services.task_return(actor=people.district_supervisor, task_id=task.pk, reason="照片看不清")
    task.refresh_from_db()
    assert task.state == "in_progress"
    assert Notice.objects.filter(recipient=people.staff, body="照片看不清").exists()
    services.task_submit(actor=people.staff, task_id=task.pk, note="补充照片", files=[png("clear.png")])
    services.task_accept(actor=people.district_supervisor, task_id=task.pk)
    task.refresh_from_db()
    assert task.state == "done" and task.done_at is not None
    actions = list(TaskEvent.objects.filter(task=task).values_list("action", "actor__username"))
    assert actions == [
        ("report", "staff_a1"),
        ("submit", "staff_a1"),
        ("return", "dsupervisor"),
        ("submit", "staff_a1"),
        ("accept", "dsupervisor"),
    ]


def test_lead_unit_member_may_accept(task, people, units):
    from tests.factories import MembershipFactory, UserFactory

    lead_clerk = UserFactory(username="gov_a_clerk")
    MembershipFactory(user=lead_clerk, unit=units.gov_a, role="staff")
    services.task_submit(actor=people.staff, task_id=task.pk, note="完成", files=[png()])
    assert "accept" in allowed_actions(lead_clerk, task.__class__.objects.get(pk=task.pk))
    services.task_accept(actor=lead_clerk, task_id=task.pk)


def test_other_units_clerk_gets_not_found(task, people):
    err = refuse("not_found", services.task_report, actor=people.staff_b, task_id=task.pk, progress=10, note="x")
    assert "无权" in err.message
    assert not TaskUpdate.objects.exists()


def test_visible_but_not_allowed_is_forbidden(task, people):
    # The district supervisor sees the task but is not in the owner unit.
    refuse("forbidden", services.task_report, actor=people.district_supervisor, task_id=task.pk, progress=10, note="x")


def test_own_unit_cannot_accept_its_submission(task, people, units):
    Membership.objects.create(user=people.district_supervisor, unit=units.street_a1, role="staff")
    services.task_submit(actor=people.staff, task_id=task.pk, note="完成", files=[png()])
    people.district_supervisor._scope_cache = None
    people.district_supervisor._unit_roles_cache = None
    refuse("forbidden", services.task_accept, actor=people.district_supervisor, task_id=task.pk)
    refuse("forbidden", services.task_accept, actor=people.head, task_id=task.pk)
    assert Task.objects.get(pk=task.pk).state == "submitted"


@pytest.mark.parametrize("progress", [-1, 101, "abc", None])
def test_percent_out_of_range(task, people, progress):
    err = refuse("invalid", services.task_report, actor=people.staff, task_id=task.pk, progress=progress, note="x")
    assert err.field == "progress"
    assert not TaskUpdate.objects.exists() and not TaskEvent.objects.exists()


def test_submit_without_required_evidence(task, people):
    err = refuse("invalid", services.task_submit, actor=people.staff, task_id=task.pk, note="完成")
    assert err.field == "files"
    assert Task.objects.get(pk=task.pk).state == "pending"


def test_fake_image_is_refused_and_nothing_saved(task, people):
    err = refuse(
        "invalid",
        services.task_report,
        actor=people.staff,
        task_id=task.pk,
        progress=50,
        note="x",
        files=[png(), fake_jpg()],
    )
    assert "evil.jpg" in err.message
    assert not TaskUpdate.objects.exists() and not TaskAttachment.objects.exists()


def test_oversized_file_is_refused(task, people, settings):
    from chuangcheng import uploads

    big = png()
    big.size = uploads.MAX_EVIDENCE_BYTES + 1
    err = refuse(
        "invalid", services.task_report, actor=people.staff, task_id=task.pk, progress=50, note="x", files=[big]
    )
    assert "上限" in err.message


def test_wrong_state_is_conflict(task, people):
    err = refuse("conflict", services.task_accept, actor=people.supervisor, task_id=task.pk)
    assert "未开始" in err.message and err.extra["state"] == "pending"


def test_return_needs_reason(task, people):
    services.task_submit(actor=people.staff, task_id=task.pk, note="完成", files=[png()])
    err = refuse("invalid", services.task_return, actor=people.supervisor, task_id=task.pk, reason="  ")
    assert err.field == "reason"
    assert Task.objects.get(pk=task.pk).state == "submitted"


def test_change_deadline_and_reassign_record_reason(task, people, units):
    new = task.deadline + dt.timedelta(days=7)
    services.task_change_deadline(actor=people.supervisor, task_id=task.pk, deadline=new, reason="汛期顺延")
    services.task_reassign(actor=people.supervisor, task_id=task.pk, owner_unit=units.street_b1, reason="属地调整")
    events = {e.action: e for e in TaskEvent.objects.filter(task=task)}
    assert events["change_deadline"].changes == {"deadline": [str(task.deadline), str(new)]}
    assert events["reassign"].comment == "属地调整"
    refuse("forbidden", services.task_change_deadline, actor=people.staff_b, task_id=task.pk, deadline=new, reason="x")
    refuse("not_found", services.task_change_deadline, actor=people.staff, task_id=task.pk, deadline=new, reason="x")
    err = refuse(
        "invalid",
        services.task_change_deadline,
        actor=people.supervisor,
        task_id=task.pk,
        deadline=task.start_date - dt.timedelta(days=1),
        reason="x",
    )
    assert err.field == "deadline"


def test_leader_instruction_notifies_unit_and_stays_on_timeline(task, people):
    services.task_instruct(actor=people.leader, task_id=task.pk, text="务必本周完成")
    assert TaskEvent.objects.get(task=task, action="instruct").comment == "务必本周完成"
    assert Notice.objects.filter(recipient=people.head, body="务必本周完成").exists()
    refuse("forbidden", services.task_instruct, actor=people.staff, task_id=task.pk, text="x")


def test_create_validates(campaign, units, people):
    today = timezone.localdate()
    err = refuse(
        "invalid",
        services.task_create,
        actor=people.supervisor,
        campaign=campaign,
        title="x",
        owner_unit=units.street_a1,
        start_date=today,
        deadline=today - dt.timedelta(days=1),
    )
    assert err.field == "deadline"
    refuse(
        "forbidden",
        services.task_create,
        actor=people.staff,
        campaign=campaign,
        title="x",
        owner_unit=units.street_a1,
        deadline=today,
    )
    assert not Task.objects.exists()


def test_decompose_and_rollup(task, people, units):
    children = services.task_decompose(
        actor=people.supervisor,
        task_id=task.pk,
        parts=[{"owner_unit": units.street_a1}, {"owner_unit": units.street_b1}],
    )
    assert [c.parent_id for c in children] == [task.pk, task.pk]
    assert {c.owner_unit_id for c in children} == {units.street_a1.pk, units.street_b1.pk}
    assert all(c.lead_unit_id == units.gov_a.pk for c in children)
    err = refuse("invalid", services.task_decompose, actor=people.supervisor, task_id=task.pk, parts=[])
    assert err.field == "parts"


def test_decompose_refuses_a_second_share_and_units_outside_the_deciders_reach(task, people, units):
    """A unit holds one share of a task (a second 任务分解 to it would duplicate its sub-task);
    a district's supervisor splits work to their district's units, not to the city's bureaus
    (which they see) — and the form offers exactly what the service accepts."""
    from tasks.forms import DecomposeForm
    from tasks.selectors import decompose_targets

    services.task_decompose(actor=people.supervisor, task_id=task.pk, parts=[{"owner_unit": units.street_a1}])
    before = Task.objects.count()
    err = refuse(
        "invalid",
        services.task_decompose,
        actor=people.supervisor,
        task_id=task.pk,
        parts=[{"owner_unit": units.street_b1}, {"owner_unit": units.street_a1}],
    )
    assert (err.field, str(err)) == ("parts", "“甲一街道办事处”已有本任务的子任务。")
    err = refuse(
        "invalid",
        services.task_decompose,
        actor=people.district_supervisor,
        task_id=task.pk,
        parts=[{"owner_unit": units.cgj}],
    )
    assert (err.field, str(err)) == ("parts", "“示范市城管局”不在您可以分解任务的范围内。")
    assert Task.objects.count() == before  # nothing half-made
    # A part refused after the first was made (its deadline after the task's): none is kept.
    late = task.deadline + dt.timedelta(days=1)
    err = refuse(
        "invalid",
        services.task_decompose,
        actor=people.supervisor,
        task_id=task.pk,
        parts=[{"owner_unit": units.gov_b}, {"owner_unit": units.street_b1, "deadline": late}],
    )
    assert err.field == "deadline" and Task.objects.count() == before
    district = set(decompose_targets(people.district_supervisor, task))
    assert district == {units.gov_a}  # 甲区's units, less the street that already holds a share
    assert set(decompose_targets(people.supervisor, task)) == {
        units.office,
        units.cgj,
        units.gov_a,
        units.gov_b,
        units.street_b1,
    }
    form = DecomposeForm({"units": [units.cgj.pk]}, task=task, user=people.district_supervisor)
    assert not form.is_valid() and "units" in form.errors
    assert not DecomposeForm({}, task=task, user=people.district_supervisor).is_valid()
    assert DecomposeForm({}, task=task, user=people.district_supervisor).errors["units"] == ["请至少选择一个责任单位。"]
    # The district's share split again to a street is named after the task and the street.
    share = services.task_decompose(actor=people.supervisor, task_id=task.pk, parts=[{"owner_unit": units.gov_a}])[0]
    assert share.title == f"{task.title}（甲区人民政府）"
    street = services.task_decompose(
        actor=people.district_supervisor, task_id=share.pk, parts=[{"owner_unit": units.street_a1}]
    )[0]
    assert street.title == f"{task.title}（甲一街道办事处）"
    # A share reassigned to another unit keeps the name of the first; split again, it is still
    # named after the task and the new unit.
    services.task_reassign(actor=people.supervisor, task_id=share.pk, owner_unit=units.gov_b, reason="改由乙区承办")
    other = services.task_decompose(actor=people.supervisor, task_id=share.pk, parts=[{"owner_unit": units.street_b1}])[
        0
    ]
    assert other.title == f"{task.title}（乙一街道办事处）"


def test_a_decomposed_task_is_in_progress_from_its_first_sub_task(task, people, units):
    """Its work goes on in the sub-tasks: a 未开始 task becomes 推进中 (what the ledger's chips
    count it as), and the 任务分解 event says so; decomposing again changes no state."""
    assert task.state == "pending"
    services.task_decompose(actor=people.supervisor, task_id=task.pk, parts=[{"owner_unit": units.street_a1}])
    task.refresh_from_db()
    assert task.state == "in_progress"
    event = task.events.get(action="decompose")
    assert (event.actor, event.from_state, event.to_state) == (people.supervisor, "pending", "in_progress")
    services.task_decompose(actor=people.supervisor, task_id=task.pk, parts=[{"owner_unit": units.street_b1}])
    again = task.events.filter(action="decompose").latest("id")
    assert (again.from_state, again.to_state) == ("", "")
    assert Task.objects.get(pk=task.pk).state == "in_progress"


def test_recurrence_job_creates_each_occurrence_once(campaign, units):
    start = dt.date(2026, 11, 2)  # a Monday
    template = TaskFactory(
        campaign=campaign,
        owner_unit=units.street_a1,
        start_date=start,
        deadline=dt.date(2027, 3, 1),
        recurrence="weekly",
    )
    first = services.task_generate_occurrences(today=dt.date(2026, 11, 25))
    again = services.task_generate_occurrences(today=dt.date(2026, 11, 25))
    assert len(first) == 1 and again == []
    occurrence = first[0]
    assert occurrence.occurrence_date == dt.date(2026, 11, 23)
    assert occurrence.deadline == dt.date(2026, 11, 29)
    assert occurrence.parent_id == template.pk
    assert occurrence.title.endswith("（11月23日）")  # as an office writes a date, no leading zero
    nxt = services.task_generate_occurrences(today=dt.date(2026, 11, 30))
    assert [t.occurrence_date for t in nxt] == [dt.date(2026, 11, 30)]
    assert Task.objects.filter(parent=template).count() == 2
    # The series runs from its first period: 推进中, each period on its timeline, by nobody.
    template.refresh_from_db()
    assert template.state == "in_progress"
    events = list(template.events.filter(action="generate").order_by("id"))
    assert [(e.actor, e.from_state, e.to_state, e.changes) for e in events] == [
        (None, "pending", "in_progress", {"occurrence": "2026-11-23"}),
        (None, "", "", {"occurrence": "2026-11-30"}),
    ]


def test_a_series_is_not_decomposed(campaign, units, people):
    """Its sub-tasks are its periods: no 任务分解 offered, and the service says why."""
    template = TaskFactory(campaign=campaign, owner_unit=units.street_a1, lead_unit=units.gov_a, recurrence="weekly")
    assert "decompose" not in allowed_actions(people.supervisor, template)
    err = refuse(
        "conflict",
        services.task_decompose,
        actor=people.supervisor,
        task_id=template.pk,
        parts=[{"owner_unit": units.street_b1}],
    )
    assert "常态化任务" in err.message
    assert not Task.objects.filter(parent=template).exists()


def test_a_series_submitted_meanwhile_is_not_moved_back(campaign, units):
    """The job holds no lock on the template: only a 未开始 one is started (a conditional update)."""
    template = TaskFactory(
        campaign=campaign,
        owner_unit=units.street_a1,
        start_date=dt.date(2026, 11, 2),
        deadline=dt.date(2027, 3, 1),
        recurrence="weekly",
        state="submitted",
    )
    services.task_generate_occurrences(today=dt.date(2026, 11, 25))
    template.refresh_from_db()
    assert template.state == "submitted"


def test_the_upgrade_starts_the_parents_it_finds_unstarted(task, campaign, units):
    """Migration 0005: a 未开始 task that already has sub-tasks becomes 推进中, with an event."""
    import importlib

    from django.apps import apps

    TaskFactory(campaign=campaign, owner_unit=units.street_a1, parent=task)  # bypasses the services
    lone = TaskFactory(campaign=campaign, owner_unit=units.street_b1)
    assert Task.objects.get(pk=task.pk).state == "pending"
    importlib.import_module("tasks.migrations.0005_parents_with_subtasks_in_progress").start_parents(apps, None)
    assert Task.objects.get(pk=task.pk).state == "in_progress" and Task.objects.get(pk=lone.pk).state == "pending"
    event = task.events.latest("id")
    assert (event.action, event.from_state, event.to_state) == ("decompose", "pending", "in_progress")


def test_monthly_recurrence_clamps_to_month_end(campaign, units):
    template = TaskFactory(
        campaign=campaign,
        owner_unit=units.street_a1,
        start_date=dt.date(2026, 1, 31),
        deadline=dt.date(2027, 1, 31),
        recurrence="monthly",
    )
    [occ] = services.task_generate_occurrences(today=dt.date(2026, 2, 28))
    assert occ.occurrence_date == dt.date(2026, 2, 28)
    assert services.next_occurrence(template, dt.date(2026, 2, 28)) == dt.date(2026, 3, 31)


def test_derived_figures(campaign, units):
    today = dt.date(2026, 11, 23)
    t = TaskFactory(
        campaign=campaign,
        owner_unit=units.street_a1,
        start_date=dt.date(2026, 11, 13),
        deadline=dt.date(2026, 12, 3),
        progress=10,
    )
    assert t.expected_progress(today) == 50
    assert t.lag(today) == 40
    assert not t.is_overdue(today) and t.days_left(today) == 10
    assert t.traffic_light(today) == "yellow"
    late = TaskFactory(
        campaign=campaign, owner_unit=units.street_a1, start_date=dt.date(2026, 11, 1), deadline=dt.date(2026, 11, 10)
    )
    assert late.is_overdue(today) and late.traffic_light(today) == "red"


def test_lagging_filter_matches_the_model(campaign, units):
    from tasks.selectors import lagging

    today = dt.date(2026, 11, 23)
    rows = [
        (dt.date(2026, 11, 13), dt.date(2026, 12, 3), 10),
        (dt.date(2026, 11, 13), dt.date(2026, 12, 3), 40),
        (dt.date(2026, 11, 1), dt.date(2026, 11, 10), 50),
        (dt.date(2026, 11, 1), dt.date(2026, 11, 10), 90),
        (dt.date(2026, 11, 30), dt.date(2026, 12, 30), 0),
    ]
    tasks = [
        TaskFactory(campaign=campaign, owner_unit=units.street_a1, start_date=s, deadline=d, progress=p)
        for s, d, p in rows
    ]
    expected = {t.pk for t in tasks if t.lag(today) >= 20}
    assert set(lagging(Task.objects.all(), today=today).values_list("pk", flat=True)) == expected
    assert len(expected) == 2
