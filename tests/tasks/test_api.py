"""The ledger API (/api/v1/tasks/, /api/v1/task-updates/): a permission matrix over every route
and workflow action, refusals (bad input, wrong state, ids out of scope) with nothing changed,
``allowed_actions`` per caller, filters, the timeline, the return → resubmit → accept cycle, and
the list's query budget."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from chuangcheng.notifications.models import Notice
from chuangcheng.org.models import UnitKind, UnitLevel, User
from tasks import services
from tasks.models import Task, TaskAttachment, TaskEvent, TaskState, TaskUpdate
from tasks.workflow import allowed_actions
from tests.api_matrix import METHODS, UNIT_ROLES, Case, client_for, expecting, parametrize, snapshot
from tests.factories import IndicatorFactory, MembershipFactory, TaskFactory, UnitFactory, UserFactory
from tests.tasks.conftest import fake_jpg, png

# Everyone the ledger knows: 甲一街道办's staff and head own the 甲 tasks; staff_b works at 乙一街道办.
ROLES = UNIT_ROLES


expect = expecting(ROLES, 200, anonymous=403, nobody=404, staff_b=404)


# Anonymous callers are refused (403: session authentication first); everyone else lists their scope.
LIST = expect(nobody=200, staff_b=200)
# A task of 甲一街道办 in 甲一街道: its unit, 甲区's supervisor and leader, the city supervisor, the admin.
SEE_JIA = expect()
# A task of 乙一街道办: for the 甲 people it does not exist.
SEE_YI = expect(staff_b=200, staff=404, head=404, district_supervisor=404, leader=404)
# Owner-unit staff and head report and submit; nobody else, however senior.
OWNER_UNIT = expect(district_supervisor=403, supervisor=403, leader=403, admin=403)
# Supervisors in scope and the admin edit, accept, return, change deadline and owner, decompose.
SUPERVISORS = expect(staff=403, head=403, leader=403)
# 领导批示: the leader only.
LEADER = expect(staff=403, head=403, district_supervisor=403, supervisor=403, admin=403)
# The same rules on the 乙 task: the 甲 people do not see it at all.
SUPERVISORS_YI = expect(staff_b=403, staff=404, head=404, district_supervisor=404, leader=404)
OWNER_UNIT_YI = expect(staff_b=200, staff=404, head=404, district_supervisor=404, supervisor=403, leader=404, admin=403)
CREATE = expect(
    nobody=403, staff_b=403, staff=403, head=403, leader=403, district_supervisor=201, supervisor=201, admin=201
)
# The leader's cases. The leader is listed under the 创建办 (a leader membership) and holds 甲区
# by 领导包保. A task the 创建办 owns and leads, in the city at large or in 乙区, is not theirs:
# for them it does not exist, however it is asked for.
SEE_OFFICE = expect(staff=404, head=404, district_supervisor=404, leader=404)
INSTRUCT_OFFICE = expect(staff=404, head=404, district_supervisor=404, supervisor=403, leader=404, admin=403)
# The same office task in 甲区: the leader's 包保 holds it, so they see it and 批示.
SEE_OFFICE_JIA = expect(staff=404, head=404)
INSTRUCT_OFFICE_JIA = expect(staff=404, head=404, district_supervisor=403, supervisor=403, admin=403)
# An overdue office task in 乙区 whose 责任领导 is the leader (what the reminder pass escalates
# to them): they see it and 批示; 甲区's people do not see it.
SEE_ESCALATED = expect(staff=404, head=404, district_supervisor=404)
INSTRUCT_ESCALATED = expect(staff=404, head=404, district_supervisor=404, supervisor=403, admin=403)

MATRIX = [
    Case("task", "list", "all", LIST),
    Case("task", "retrieve", "jia", SEE_JIA),
    Case("task", "retrieve", "yi", SEE_YI),
    Case("task", "create", "new", CREATE),
    Case("task", "partial_update", "jia", SUPERVISORS),
    Case("task", "partial_update", "yi", SUPERVISORS_YI),
    Case("task", "report", "jia", OWNER_UNIT),
    Case("task", "report", "yi", OWNER_UNIT_YI),
    Case("task", "submit", "jia", OWNER_UNIT),
    Case("task", "accept", "submitted", SUPERVISORS),
    Case("task", "return_task", "submitted", SUPERVISORS),
    Case("task", "change_deadline", "jia", SUPERVISORS),
    Case("task", "reassign", "jia", SUPERVISORS),
    Case("task", "instruct", "jia", LEADER),
    Case("task", "decompose", "jia", SUPERVISORS),
    Case("task", "timeline", "jia", SEE_JIA),
    Case("task", "file", "jia", SEE_JIA),
    Case("task-update", "list", "all", LIST),
    Case("task-update", "retrieve", "jia", SEE_JIA),
    Case("task-update", "retrieve", "yi", SEE_YI),
    Case("task", "retrieve", "office", SEE_OFFICE),
    Case("task", "retrieve", "office_yi", SEE_OFFICE),
    Case("task", "timeline", "office", SEE_OFFICE),
    Case("task", "file", "office", SEE_OFFICE),
    Case("task", "instruct", "office", INSTRUCT_OFFICE),
    Case("task", "instruct", "office_yi", INSTRUCT_OFFICE),
    Case("task-update", "retrieve", "office", SEE_OFFICE),
    Case("task", "retrieve", "office_jia", SEE_OFFICE_JIA),
    Case("task", "instruct", "office_jia", INSTRUCT_OFFICE_JIA),
    Case("task", "retrieve", "escalated", SEE_ESCALATED),
    Case("task", "instruct", "escalated", INSTRUCT_ESCALATED),
]
# Targets built by the ``office_tasks`` fixture (only for the cases that name them).
OFFICE_TARGETS = {"office", "office_yi", "office_jia", "escalated"}
MATRIX_ROUTES = {(c.basename, c.action) for c in MATRIX}

ACTION_PATHS = {
    "report": "report",
    "submit": "submit",
    "accept": "accept",
    "return_task": "return",
    "change_deadline": "change-deadline",
    "reassign": "reassign",
    "instruct": "instruct",
    "decompose": "decompose",
    "timeline": "timeline",
}
MULTIPART = {"report", "submit"}


@pytest.fixture
def world(city, units, campaign, people, task):
    """``task`` (甲) in progress with a reported photo; a submitted 甲 task; an 乙 task with a report."""
    services.task_report(actor=people.staff, task_id=task.pk, progress=30, note="已清理两条小巷", files=[png()])
    submitted = TaskFactory(
        campaign=campaign, owner_unit=units.street_a1, lead_unit=units.gov_a, region=city.a1, title="农贸市场整治"
    )
    services.task_submit(actor=people.staff, task_id=submitted.pk, note="已完成", files=[png()])
    yi = TaskFactory(campaign=campaign, owner_unit=units.street_b1, region=city.b1, title="乙一背街小巷")
    services.task_report(actor=people.staff_b, task_id=yi.pk, progress=10, note="开始清理")
    task.refresh_from_db()
    return SimpleNamespace(
        city=city,
        units=units,
        campaign=campaign,
        people=people,
        jia=task,
        submitted=submitted,
        yi=yi,
        indicator=IndicatorFactory(code="2.3", name="背街小巷"),
        # A second street of 甲区: 任务分解 of the 甲 task goes to units of 甲区 other than its own.
        street_a2=UnitFactory(
            name="甲二街道办事处", kind=UnitKind.TERRITORIAL, level=UnitLevel.STREET, region=city.a2, parent=units.gov_a
        ),
    )


@pytest.fixture
def office_tasks(world):
    """Tasks the 创建办 owns and leads, added to ``world``: ``office`` in the city at large with a
    progress report and its photo (by an office clerk), ``office_yi`` in 乙区, ``office_jia`` in
    甲区, and ``escalated`` — overdue in 乙区, with the leader as its 责任领导."""
    w, office, today = world, world.units.office, timezone.localdate()
    clerk = UserFactory(username="office_clerk", display_name="office_clerk")
    MembershipFactory(user=clerk, unit=office, role="staff")
    led = dict(campaign=w.campaign, owner_unit=office, lead_unit=office)
    w.office = TaskFactory(region=w.city.city, title="全市创建工作推进", **led)
    services.task_report(actor=clerk, task_id=w.office.pk, progress=20, note="已召开推进会", files=[png()])
    w.office.refresh_from_db()
    w.office_yi = TaskFactory(region=w.city.b, title="乙区创建督导", **led)
    w.office_jia = TaskFactory(region=w.city.a, title="甲区创建督导", **led)
    w.escalated = TaskFactory(
        region=w.city.b,
        title="乙区主干道整治",
        start_date=today - dt.timedelta(days=30),
        deadline=today - dt.timedelta(days=4),
        responsible_leader=w.people.leader,
        **led,
    )
    return w


def _target(w, case):
    if case.target in ("all", "new"):
        return None
    task = getattr(w, case.target)
    if case.basename == "task-update":
        return task.updates.get()
    return task


def _url(w, case, obj):
    if case.basename == "task-update":
        return "/api/v1/task-updates/" + (f"{obj.pk}/" if obj else "")
    if obj is None:
        return "/api/v1/tasks/"
    if case.action == "file":
        return f"/api/v1/tasks/{obj.pk}/files/{obj.attachments.get().pk}/"
    if case.action in ACTION_PATHS:
        return f"/api/v1/tasks/{obj.pk}/{ACTION_PATHS[case.action]}/"
    return f"/api/v1/tasks/{obj.pk}/"


def _payload(w, action):
    today = timezone.localdate()
    return {
        "create": {
            "campaign": w.campaign.pk,
            "title": "甲一社区楼道清理",
            "owner_unit": w.units.street_a1.pk,
            "lead_unit": w.units.gov_a.pk,
            "region": w.city.a1v.pk,
            "cooperating_units": [w.units.cgj.pk],
            "indicators": [w.indicator.pk],
            "deadline": str(today + dt.timedelta(days=30)),
            "priority": "urgent",
        },
        "partial_update": {"title": "背街小巷环境整治（修订）", "priority": "high"},
        "report": {"progress": 80, "note": "又清理三条", "files": [png("more.png")]},
        "submit": {"note": "全部完成", "files": [png("done.png")]},
        "accept": {"comment": "验收合格"},
        "return_task": {"reason": "照片看不清"},
        "change_deadline": {"deadline": str(today + dt.timedelta(days=40)), "reason": "雨季顺延"},
        "reassign": {"owner_unit": w.units.gov_a.pk, "reason": "改由区政府统筹"},
        "instruct": {"text": "务必月底前完成"},
        "decompose": {"owner_units": [w.units.gov_a.pk, w.street_a2.pk]},
    }.get(action)


def _media_files():
    root = settings.MEDIA_ROOT
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _everything():
    """What a refused call must leave as it was: the ledger, its history, the notices, the files."""
    return [snapshot(m) for m in (Task, TaskEvent, TaskUpdate, TaskAttachment, Notice)] + [_media_files()]


def _call(client, method, url, payload, action):
    if payload is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, payload, format="multipart" if action in MULTIPART else "json")


@pytest.mark.parametrize(("case", "role", "status"), parametrize(MATRIX))
def test_permission_matrix(request, world, case, role, status):
    if case.target in OFFICE_TARGETS:
        request.getfixturevalue("office_tasks")
    obj = _target(world, case)
    method = METHODS.get(case.action, "get" if case.action in ("timeline", "file") else "post")
    payload = _payload(world, case.action)
    before = _everything()
    events_before = TaskEvent.objects.count()

    response = _call(client_for(role, world.people), method, _url(world, case, obj), payload, case.action)

    assert response.status_code == status, getattr(response, "data", response)
    if method != "get" and status >= 400:
        assert _everything() == before
        assert response.data["detail"]
        return
    if status >= 400:
        return
    user = getattr(world.people, role)
    if case.action == "list":
        ids = {row["id"] for row in response.data["results"]}
        model = Task if case.basename == "task" else TaskUpdate
        visible = Task.objects.visible_to(user).values("pk")
        expected = model.objects.filter(**({"pk__in": visible} if model is Task else {"task__in": visible}))
        assert ids == set(expected.values_list("pk", flat=True))
        assert (len(ids) > 0) == (role != "nobody")
        return
    if case.action == "file":
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")
        return
    if case.action == "timeline":
        assert [e["action"] for e in response.data] == ["report"]
        assert response.data[0]["actor_name"] == {"jia": "staff_a1", "office": "office_clerk"}[case.target]
        return
    if case.basename == "task-update":
        assert response.data["id"] == obj.pk
        assert response.data["task"] == obj.task_id
        return
    task = Task.objects.get(pk=response.data["id"])
    assert response.data["state"] == task.state
    if case.action == "retrieve":
        assert task == obj
        return
    assert TaskEvent.objects.count() > events_before
    event = TaskEvent.objects.filter(task=task).latest("id")
    assert event.actor == user
    if case.action == "create":
        assert (task.title, task.owner_unit, task.priority) == ("甲一社区楼道清理", world.units.street_a1, "urgent")
        assert response.data["cooperating_units"] == [{"id": world.units.cgj.pk, "name": "示范市城管局"}]
        assert response.data["indicators"] == [{"id": world.indicator.pk, "code": "2.3", "name": "背街小巷"}]
        assert response.data["region_name"] == "甲一社区"
        return
    assert task == obj
    expected_after = {
        "partial_update": lambda: (task.title, task.priority) == ("背街小巷环境整治（修订）", "high"),
        "report": lambda: (
            (task.state, task.progress, task.updates.first().attachments.count()) == ("in_progress", 80, 1)
        ),
        "submit": lambda: task.state == "submitted",
        "accept": lambda: task.state == "done" and event.comment == "验收合格",
        "return_task": lambda: task.state == "in_progress" and event.comment == "照片看不清",
        "change_deadline": lambda: task.deadline == obj.deadline + dt.timedelta(days=30),
        "reassign": lambda: task.owner_unit == world.units.gov_a,
        "instruct": lambda: event.action == "instruct" and event.comment == "务必月底前完成",
        "decompose": lambda: response.data["children_count"] == 2 and task.children.count() == 2,
    }[case.action]
    assert expected_after()


def test_the_matrix_covers_every_role_on_every_case():
    assert all(set(case.expected) == set(ROLES) for case in MATRIX)
    assert {a for b, a in MATRIX_ROUTES if b == "task"} >= {"report", "submit", "accept", "return_task"}


# --- A leader: their 包保 and what is escalated to them, not the unit they are listed under ----------


def _fresh(user):
    """The user as a new request loads it (no scope cached from an earlier call)."""
    return User.objects.get(pk=user.pk)


def test_a_leader_lists_their_bao_bao_and_escalations_not_the_office(office_tasks):
    w = office_tasks
    client = client_for("leader", w.people)
    rows = client.get("/api/v1/tasks/", {"page_size": 100}).data["results"]
    assert {r["title"] for r in rows} == {w.jia.title, w.submitted.title, w.office_jia.title, w.escalated.title}
    assert {r["id"]: r["allowed_actions"] for r in rows}[w.office_jia.pk] == ["instruct"]
    updates = client.get("/api/v1/task-updates/", {"page_size": 100}).data["results"]
    assert w.office.updates.get().pk not in {r["id"] for r in updates}
    assert client.get("/api/v1/task-updates/", {"task": w.office.pk}).data["results"] == []
    # The office's own clerk and the city supervisor still list the office's task.
    clerk = APIClient()
    clerk.force_authenticate(User.objects.get(username="office_clerk"))
    assert w.office.title in {r["title"] for r in clerk.get("/api/v1/tasks/").data["results"]}


def test_a_task_assigned_by_bao_bao_is_the_leaders_to_see_and_instruct(office_tasks):
    from tasks.models import TaskLeader

    w = office_tasks
    TaskLeader.objects.create(leader=w.people.leader, task=w.office_yi, kind="baobao")
    client = APIClient()
    client.force_authenticate(_fresh(w.people.leader))
    assert client.get(f"/api/v1/tasks/{w.office_yi.pk}/").data["allowed_actions"] == ["instruct"]
    response = client.post(f"/api/v1/tasks/{w.office_yi.pk}/instruct/", {"text": "请创建办牵头督导"}, format="json")
    assert response.status_code == 200, response.data
    assert client.get(f"/api/v1/tasks/{w.office.pk}/").status_code == 404  # the other office task still is not


def test_a_leader_who_also_works_in_a_unit_sees_its_tasks_but_instructs_only_in_bao_bao(office_tasks):
    """Seeing a task as one of its unit's people gives no 批示: that follows the 包保."""
    w = office_tasks
    MembershipFactory(user=w.people.leader, unit=w.units.street_b1, role="staff")
    client = APIClient()
    client.force_authenticate(_fresh(w.people.leader))
    response = client.get(f"/api/v1/tasks/{w.yi.pk}/")
    assert response.status_code == 200
    assert response.data["allowed_actions"] == ["report", "submit"]
    before = _everything()
    response = client.post(f"/api/v1/tasks/{w.yi.pk}/instruct/", {"text": "越权批示"}, format="json")
    assert response.status_code == 403
    assert _everything() == before
    assert client.get(f"/api/v1/tasks/{w.office_yi.pk}/").status_code == 404  # the office is still not theirs


# --- Refusals: each names what is wrong, and nothing changes ----------------------------------------


def _refused(response, status, field=None):
    assert response.status_code == status, response.data
    if field:
        assert field in response.data, response.data
        assert response.data.get("field", field) == field
    return response.data


def test_progress_over_100_is_refused(world):
    before = _everything()
    client = client_for("staff", world.people)
    response = client.post(f"/api/v1/tasks/{world.jia.pk}/report/", {"progress": 101, "note": "超额"}, format="json")
    data = _refused(response, 400, "progress")
    assert data["progress"] == ["完成进度应为 0 到 100 之间的整数。"]
    response = client.post(f"/api/v1/tasks/{world.jia.pk}/report/", {"progress": "六十", "note": "x"}, format="json")
    _refused(response, 400, "progress")
    assert _everything() == before


def test_submit_without_evidence_is_refused_when_the_task_requires_it(world):
    bare = TaskFactory(
        campaign=world.campaign, owner_unit=world.units.street_a1, region=world.city.a1, evidence_required=True
    )
    before = _everything()
    response = client_for("staff", world.people).post(f"/api/v1/tasks/{bare.pk}/submit/", {"note": "完成"})
    data = _refused(response, 400, "files")
    assert "佐证材料" in data["detail"]
    assert _everything() == before
    bare.evidence_required = False
    bare.save(update_fields=["evidence_required"])
    response = client_for("staff", world.people).post(f"/api/v1/tasks/{bare.pk}/submit/", {"note": "完成"})
    assert response.status_code == 200, response.data
    assert response.data["state"] == "submitted"


def test_a_fake_jpg_is_refused_and_nothing_is_saved(world):
    before = _everything()
    response = client_for("staff", world.people).post(
        f"/api/v1/tasks/{world.jia.pk}/report/",
        {"progress": 50, "note": "附照片", "files": [png("ok.png"), fake_jpg()]},
        format="multipart",
    )
    data = _refused(response, 400, "files")
    assert "evil.jpg" in data["detail"]
    assert _everything() == before  # not even the good photo


def test_accept_on_a_pending_task_is_a_conflict_with_the_state(world):
    pending = TaskFactory(campaign=world.campaign, owner_unit=world.units.street_a1, region=world.city.a1)
    before = _everything()
    response = client_for("district_supervisor", world.people).post(f"/api/v1/tasks/{pending.pk}/accept/", {})
    data = _refused(response, 409)
    assert data["state"] == "pending"
    assert data["code"] == "conflict"
    assert "未开始" in data["detail"]
    assert _everything() == before


def test_reassign_to_a_unit_the_caller_cannot_see(world):
    before = _everything()
    response = client_for("district_supervisor", world.people).post(
        f"/api/v1/tasks/{world.jia.pk}/reassign/",
        {"owner_unit": world.units.street_b1.pk, "reason": "乙区代办"},
        format="json",
    )
    _refused(response, 400, "owner_unit")
    response = client_for("district_supervisor", world.people).post(
        f"/api/v1/tasks/{world.jia.pk}/reassign/", {"owner_unit": 999999, "reason": "x"}, format="json"
    )
    _refused(response, 400, "owner_unit")
    assert _everything() == before


def test_other_refusals_name_their_field(world):
    client = client_for("district_supervisor", world.people)
    url = f"/api/v1/tasks/{world.jia.pk}"
    before = _everything()
    too_early = str(world.jia.start_date - dt.timedelta(days=1))
    _refused(
        client.post(f"{url}/change-deadline/", {"deadline": too_early, "reason": "x"}, format="json"), 400, "deadline"
    )
    _refused(
        client.post(f"{url}/change-deadline/", {"deadline": "2030-01-01", "reason": " "}, format="json"), 400, "reason"
    )
    _refused(
        client.post(f"{url}/reassign/", {"owner_unit": world.units.street_a1.pk, "reason": "x"}, format="json"),
        400,
        "owner_unit",
    )
    _refused(client.post(f"{url}/decompose/", {"owner_units": []}, format="json"), 400, "owner_units")
    later = str(world.jia.deadline + dt.timedelta(days=1))
    _refused(
        client.post(f"{url}/decompose/", {"owner_units": [world.units.gov_a.pk], "deadline": later}, format="json"),
        400,
        "deadline",
    )
    _refused(client.patch(f"{url}/", {"deadline": "2030-01-01"}, format="json"), 400, "deadline")
    _refused(client.patch(f"{url}/", {"owner_unit": world.units.gov_a.pk}, format="json"), 400, "owner_unit")
    _refused(client.patch(f"{url}/", {"title": "  "}, format="json"), 400, "title")
    _refused(client.patch(f"{url}/", {"priority": "whenever"}, format="json"), 400, "priority")
    assert client.put(f"{url}/", {"title": "整体替换"}, format="json").status_code == 405
    submitted = f"/api/v1/tasks/{world.submitted.pk}"
    _refused(client.post(f"{submitted}/return/", {"reason": ""}, format="json"), 400, "reason")
    staff = client_for("staff", world.people)
    _refused(staff.post(f"{url}/report/", {"progress": 40, "note": "  "}, format="json"), 400, "note")
    assert _everything() == before


def test_a_refusal_says_who_may_and_changes_nothing(world):
    before = _everything()
    url = f"/api/v1/tasks/{world.jia.pk}"
    response = client_for("leader", world.people).post(f"{url}/report/", {"progress": 90, "note": "代报"})
    assert _refused(response, 403)["detail"] == "您没有权限对该任务执行“报送进度”。"
    response = client_for("staff", world.people).post(f"{url}/return/", {"reason": "x"})
    assert _refused(response, 403)["detail"] == "您没有权限对该任务执行“退回”。"
    response = client_for("staff", world.people).patch(f"{url}/", {"title": "自己改名"}, format="json")
    assert _refused(response, 403)["detail"] == "只有督查员和系统管理员可以修改任务信息。"
    response = client_for("head", world.people).post("/api/v1/tasks/", {"title": "自建任务"}, format="json")
    assert _refused(response, 403)["detail"] == "只有督查员和系统管理员可以新建任务。"
    # Permission is asked before the input is read: a refused caller learns nothing about ids.
    response = client_for("staff", world.people).post(
        f"{url}/reassign/", {"owner_unit": world.units.street_b1.pk, "reason": ""}, format="json"
    )
    _refused(response, 403)
    assert _everything() == before


def test_create_refusals(world):
    client = client_for("district_supervisor", world.people)
    today = timezone.localdate()
    base = {
        "campaign": world.campaign.pk,
        "title": "新任务",
        "owner_unit": world.units.street_a1.pk,
        "deadline": str(today + dt.timedelta(days=5)),
    }
    before = _everything()
    early = {**base, "start_date": str(today), "deadline": str(today - dt.timedelta(days=1))}
    _refused(client.post("/api/v1/tasks/", early, format="json"), 400, "deadline")
    _refused(
        client.post("/api/v1/tasks/", {**base, "owner_unit": world.units.street_b1.pk}, format="json"),
        400,
        "owner_unit",
    )
    _refused(client.post("/api/v1/tasks/", {**base, "region": world.city.b1.pk}, format="json"), 400, "region")
    _refused(client.post("/api/v1/tasks/", {**base, "title": " "}, format="json"), 400, "title")
    _refused(client.post("/api/v1/tasks/", {**base, "recurrence": "daily"}, format="json"), 400, "recurrence")
    assert _everything() == before


def test_a_done_task_cannot_be_edited(world):
    services.task_accept(actor=world.people.supervisor, task_id=world.submitted.pk)
    before = _everything()
    response = client_for("supervisor", world.people).patch(
        f"/api/v1/tasks/{world.submitted.pk}/", {"title": "事后改名"}, format="json"
    )
    assert _refused(response, 409)["state"] == "done"
    assert _everything() == before


def test_edit_records_old_and_new_values_and_a_no_op_records_nothing(world):
    client = client_for("supervisor", world.people)
    url = f"/api/v1/tasks/{world.jia.pk}/"
    payload = {"completion_standard": "无垃圾堆放", "cooperating_units": [world.units.cgj.pk], "contact_phone": "123"}
    response = client.patch(url, payload, format="json")
    assert response.status_code == 200, response.data
    event = TaskEvent.objects.filter(task=world.jia).latest("id")
    assert event.action == "edit"
    assert event.changes == {
        "completion_standard": ["", "无垃圾堆放"],
        "contact_phone": ["", "123"],
        "cooperating_units": [[], ["示范市城管局"]],
    }
    count = TaskEvent.objects.count()
    assert client.patch(url, payload, format="json").status_code == 200
    assert TaskEvent.objects.count() == count
    timeline = client.get(f"{url}timeline/").data
    assert (timeline[-1]["action"], timeline[-1]["action_display"]) == ("edit", "修改任务信息")


def test_the_edit_serializer_offers_exactly_the_fields_the_service_edits():
    from tasks.api.serializers import TaskEditSerializer

    assert set(TaskEditSerializer().fields) == {*services.EDITABLE_FIELDS, *services.EDITABLE_RELATIONS}


# --- allowed_actions: what each caller may do now -------------------------------------------------


def _allowed(world, role, task):
    response = client_for(role, world.people).get(f"/api/v1/tasks/{task.pk}/")
    assert response.status_code == 200, response.data
    return response.data["allowed_actions"]


def test_allowed_actions_differ_per_caller_and_state(world):
    task = world.jia
    assert _allowed(world, "staff", task) == ["report", "submit"]
    assert _allowed(world, "head", task) == ["report", "submit"]
    assert _allowed(world, "district_supervisor", task) == ["change_deadline", "reassign", "decompose"]
    assert _allowed(world, "supervisor", task) == ["change_deadline", "reassign", "decompose"]
    assert _allowed(world, "leader", task) == ["instruct"]
    assert _allowed(world, "admin", task) == ["change_deadline", "reassign", "decompose"]

    response = client_for("staff", world.people).post(
        f"/api/v1/tasks/{task.pk}/submit/", {"note": "完成", "files": [png()]}, format="multipart"
    )
    assert response.data["allowed_actions"] == []  # the answer carries the caller's new actions
    assert _allowed(world, "district_supervisor", task) == ["accept", "return", "change_deadline", "reassign"]
    assert _allowed(world, "leader", task) == ["instruct"]
    rows = client_for("district_supervisor", world.people).get("/api/v1/tasks/").data["results"]
    assert {r["id"]: r["allowed_actions"] for r in rows}[task.pk] == ["accept", "return", "change_deadline", "reassign"]


def test_output_carries_names_labels_and_derived_figures(world):
    today = timezone.localdate()
    task = TaskFactory(
        campaign=world.campaign,
        owner_unit=world.units.street_a1,
        lead_unit=world.units.gov_a,
        region=world.city.a1,
        start_date=today - dt.timedelta(days=20),
        deadline=today - dt.timedelta(days=2),
        progress=30,
        state=TaskState.IN_PROGRESS,
        responsible_leader=world.people.leader,
        parent=world.jia,
    )
    data = client_for("district_supervisor", world.people).get(f"/api/v1/tasks/{task.pk}/").data
    assert data["campaign_name"] == "百日会战"
    assert (data["owner_unit_name"], data["lead_unit_name"], data["region_name"]) == (
        "甲一街道办事处",
        "甲区人民政府",
        "甲一街道",
    )
    assert (data["state"], data["state_display"], data["priority_display"]) == ("in_progress", "推进中", "一般")
    assert (data["expected_progress"], data["lag"], data["is_overdue"], data["days_left"]) == (100, 70, True, -2)
    assert data["traffic_light"] == "red"
    assert (data["parent"], data["parent_title"]) == (world.jia.pk, "背街小巷环境整治")
    assert data["responsible_leader_name"] == "leader"
    parent = client_for("district_supervisor", world.people).get(f"/api/v1/tasks/{world.jia.pk}/").data
    assert parent["children_count"] == 1


# --- Filters and ordering ---------------------------------------------------------------------------


def _titles(client, **params):
    response = client.get("/api/v1/tasks/", params)
    assert response.status_code == 200, response.data
    return {row["title"] for row in response.data["results"]}


def test_filters_and_ordering(world):
    today = timezone.localdate()
    w, day = world, dt.timedelta(days=1)
    common = {"campaign": w.campaign, "owner_unit": w.units.street_a1, "region": w.city.a1}
    TaskFactory(title="超期", start_date=today - 30 * day, deadline=today - day, state="in_progress", **common)
    TaskFactory(title="滞后", start_date=today - 20 * day, deadline=today + 5 * day, progress=10, **common)
    TaskFactory(title="正常", start_date=today, deadline=today + 30 * day, **common)
    TaskFactory(title="已完成", start_date=today - 30 * day, deadline=today - day, state="done", progress=100, **common)
    coop = TaskFactory(title="城管配合", start_date=today, deadline=today + 60 * day, **common)
    coop.cooperating_units.add(w.units.cgj)
    TaskFactory(
        title="乙一社区无区域",
        campaign=w.campaign,
        owner_unit=w.units.street_b1,
        start_date=today,
        deadline=today + 60 * day,
    )
    client = client_for("admin", w.people)
    every = list(Task.objects.all())
    overdue = {t.title for t in every if t.is_overdue()}
    assert overdue == {"超期"}
    assert _titles(client, overdue="true") == overdue
    assert _titles(client, overdue="false") == {t.title for t in every} - overdue
    lagging = {t.title for t in every if t.lag() >= 20}  # the SQL filter and Task.lag agree
    assert {"超期", "滞后"} <= lagging and not lagging & {"正常", "已完成", "城管配合"}
    assert _titles(client, lagging="true") == lagging
    assert _titles(client, lagging="false") == {t.title for t in every} - lagging
    # A decomposed parent is measured through its children: lagging on paper, it is not in the
    # filter — which lists what the dashboard's 进度滞后任务 counts.
    parent = TaskFactory(
        title="分解的上级", start_date=today - 20 * day, deadline=today + 5 * day, progress=0, **common
    )
    TaskFactory(title="下级", parent=parent, start_date=today, deadline=today + 30 * day, **common)
    assert parent.lag() >= 20
    assert _titles(client, lagging="true") == lagging
    assert "分解的上级" in _titles(client, lagging="false")
    from chuangcheng.reports.figures.predicates import tasks_of
    from tasks.selectors import lagging as lagging_tasks

    assert {t.title for t in lagging_tasks(tasks_of(w.campaign))} == lagging
    Task.objects.filter(parent__isnull=False).delete()
    Task.objects.filter(title="分解的上级").delete()
    assert _titles(client, unit=w.units.cgj.pk) == {"城管配合"}
    assert _titles(client, region=w.city.b.pk) == {"乙一背街小巷", "乙一社区无区域"}  # subtree, and owner's region
    assert "乙一背街小巷" not in _titles(client, region=w.city.a.pk)
    assert _titles(client, state=["done", "submitted"]) == {"已完成", "农贸市场整治"}
    window = {"deadline_from": str(today + 20 * day), "deadline_to": str(today + 40 * day)}
    assert _titles(client, **window) == {"正常"}
    assert _titles(client, q="城管") == {"城管配合"}
    rows = client.get("/api/v1/tasks/", {"ordering": "-deadline"}).data["results"]
    deadlines = [r["deadline"] for r in rows]
    assert deadlines == sorted(deadlines, reverse=True)
    assert client.get("/api/v1/tasks/", {"unit": "abc"}).status_code == 400
    # Filters narrow the caller's scope, never widen it.
    assert _titles(client_for("district_supervisor", w.people), region=w.city.b.pk) == set()


def test_task_updates_are_scoped_and_filter_by_task(world):
    staff = client_for("staff", world.people)
    rows = staff.get("/api/v1/task-updates/", {"task": world.jia.pk}).data["results"]
    assert [(r["task"], r["progress"], r["author_name"]) for r in rows] == [(world.jia.pk, 30, "staff_a1")]
    assert rows[0]["attachments"][0]["url"].endswith(
        f"/api/v1/tasks/{world.jia.pk}/files/{world.jia.attachments.get().pk}/"
    )
    assert staff.get("/api/v1/task-updates/", {"task": world.yi.pk}).data["results"] == []
    assert client_for("staff_b", world.people).get("/api/v1/task-updates/").data["count"] == 1


def test_a_file_of_another_task_is_not_found_through_this_one(world):
    other = world.submitted.attachments.get()
    response = client_for("staff", world.people).get(f"/api/v1/tasks/{world.jia.pk}/files/{other.pk}/")
    assert response.status_code == 404


# --- The cycle a clerk and a supervisor go through ------------------------------------------------


def test_report_submit_return_resubmit_accept_through_the_api(world, people):
    task = TaskFactory(
        campaign=world.campaign, owner_unit=world.units.street_a1, lead_unit=world.units.gov_a, region=world.city.a1
    )
    clerk, supervisor = client_for("staff", people), client_for("district_supervisor", people)
    url = f"/api/v1/tasks/{task.pk}"

    response = clerk.post(f"{url}/report/", {"progress": 60, "note": "已清理3条", "files": [png()]}, format="multipart")
    assert (response.status_code, response.data["state"], response.data["progress"]) == (200, "in_progress", 60)
    response = clerk.post(f"{url}/submit/", {"note": "全部完成"}, format="multipart")  # the photo is evidence
    assert (response.status_code, response.data["state"]) == (200, "submitted")
    response = supervisor.post(f"{url}/return/", {"reason": "照片看不清"}, format="json")
    assert (response.status_code, response.data["state"]) == (200, "in_progress")
    seen = clerk.get(f"{url}/timeline/").data[-1]
    assert (seen["action"], seen["comment"], seen["actor_name"]) == ("return", "照片看不清", "dsupervisor")
    response = clerk.post(f"{url}/submit/", {"note": "补充照片", "files": [png("clear.png")]}, format="multipart")
    assert (response.status_code, response.data["state"]) == (200, "submitted")
    response = supervisor.post(f"{url}/accept/", {"comment": "合格"}, format="json")
    assert (response.status_code, response.data["state"], response.data["allowed_actions"]) == (200, "done", [])

    timeline = clerk.get(f"{url}/timeline/").data
    assert [(e["action"], e["actor_name"], e["to_state"]) for e in timeline] == [
        ("report", "staff_a1", "in_progress"),
        ("submit", "staff_a1", "submitted"),
        ("return", "dsupervisor", "in_progress"),
        ("submit", "staff_a1", "submitted"),
        ("accept", "dsupervisor", "done"),
    ]
    assert (timeline[0]["progress"], timeline[0]["note"]) == (60, "已清理3条")
    photos = [a for e in timeline for a in e["attachments"]]
    assert [a["name"] for a in photos] == ["photo.png", "clear.png"]
    assert all(a["is_image"] and a["url"].startswith("http://testserver/api/v1/tasks/") for a in photos)
    download = clerk.get(photos[1]["url"])
    assert download.status_code == 200
    assert client_for("staff_b", people).get(photos[1]["url"]).status_code == 404


# --- Query budget: the list costs the same for 50 tasks and for 500 -----------------------------------


def _bulk_tasks(world, n, start):
    today = timezone.localdate()
    tasks = Task.objects.bulk_create(
        Task(
            campaign=world.campaign,
            title=f"批量任务{start + i}",
            owner_unit=world.units.street_a1,
            lead_unit=world.units.gov_a if i % 2 else None,
            region=world.city.a1 if i % 3 else None,
            responsible_leader=world.people.leader if i % 4 == 0 else None,
            parent=world.jia if i % 5 == 0 else None,
            state=[TaskState.PENDING, TaskState.IN_PROGRESS, TaskState.SUBMITTED, TaskState.DONE][i % 4],
            progress=i % 100,
            start_date=today - dt.timedelta(days=30 + i % 10),
            deadline=today + dt.timedelta(days=i % 40 - 10),
        )
        for i in range(n)
    )
    Task.cooperating_units.through.objects.bulk_create(
        Task.cooperating_units.through(task_id=t.pk, unit_id=world.units.cgj.pk) for t in tasks
    )
    Task.indicators.through.objects.bulk_create(
        Task.indicators.through(task_id=t.pk, indicator_id=world.indicator.pk) for t in tasks
    )


def _list_as(world, role, django_assert_max_num_queries):
    """The first 500 rows as ``role`` sees them, and the number of queries that took."""
    client = APIClient()
    # A fresh user object: scope and memberships are looked up as on a real request.
    client.force_authenticate(User.objects.get(pk=getattr(world.people, role).pk))
    with django_assert_max_num_queries(BUDGET) as queries:
        response = client.get("/api/v1/tasks/", {"page_size": 500})
    assert response.status_code == 200
    return len(queries), response.data["results"]


# Scope (memberships; a leader's assignments too — regions and sites, and tasks (TaskLeader);
# the root regions for a city-wide supervisor), count, page, parents, leaders, cooperating
# units, indicators, and the memberships the permission predicates read — whatever the number
# of rows.
BUDGET = 10


@pytest.mark.parametrize("role", ["admin", "district_supervisor", "leader", "staff"])
def test_list_query_budget(world, role, django_assert_max_num_queries):
    _bulk_tasks(world, 50, 0)
    small, rows = _list_as(world, role, django_assert_max_num_queries)
    assert 50 <= len(rows) < 60
    _bulk_tasks(world, 480, 50)
    large, rows = _list_as(world, role, django_assert_max_num_queries)
    assert len(rows) == 500
    assert large == small
    row = next(r for r in rows if r["title"] == "批量任务0")
    assert row["cooperating_units"] == [{"id": world.units.cgj.pk, "name": "示范市城管局"}]
    assert row["indicators"][0]["code"] == "2.3"
    assert row["responsible_leader_name"] == "leader"
    assert row["parent_title"] == "背街小巷环境整治"
    user = getattr(world.people, role)
    for task in Task.objects.filter(pk__in=[r["id"] for r in rows[:40]]).select_related("owner_unit__region", "region"):
        assert next(r for r in rows if r["id"] == task.pk)["allowed_actions"] == allowed_actions(user, task)
    jia = next(r for r in rows if r["id"] == world.jia.pk)
    assert jia["children_count"] == 106  # every fifth of the 530


def test_schema_documents_the_actions(db):
    from django.core.management import call_command

    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    for action in ("report", "submit", "accept", "return", "change-deadline", "reassign", "instruct", "decompose"):
        operation = paths[f"/api/v1/tasks/{{id}}/{action}/"]["post"]
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])
    report = paths["/api/v1/tasks/{id}/report/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in report
    assert "put" not in paths["/api/v1/tasks/{id}/"]
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


# --- The compiled representation answers as DRF's own walk -------------------------------------


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_list_and_detail_answer_as_drf_would(world, role):
    """The plan (chuangcheng.org.api.representation) against DRF's field-by-field walk, over rows
    with and without lead unit, region, leader, parent, cooperating units and indicators."""
    from chuangcheng.org.api.representation import drf_reference

    _bulk_tasks(world, 20, 0)
    client = APIClient()
    client.force_authenticate(getattr(world.people, role))
    compiled = client.get("/api/v1/tasks/", {"page_size": 100}).json()
    detail = client.get(f"/api/v1/tasks/{world.jia.pk}/").json()
    with drf_reference():
        assert client.get("/api/v1/tasks/", {"page_size": 100}).json() == compiled
        assert client.get(f"/api/v1/tasks/{world.jia.pk}/").json() == detail
    assert compiled["count"] >= 20
    assert {r["lead_unit_name"] for r in compiled["results"]} >= {None, "甲区人民政府"}


def test_a_pages_related_rows_are_plain_lists_read_as_the_relation_reads(world, django_assert_max_num_queries):
    """协作单位 and 指标 come with a page as lists (``prefetch_rows``: no related manager and
    queryset per row); a task without them — one read on its own — answers the same from its
    relation."""
    from chuangcheng.org.api.representation import rows_attr
    from tasks.api.serializers import TaskSerializer
    from tasks.api.views import TaskViewSet

    _bulk_tasks(world, 3, 0)
    ids = list(Task.objects.filter(title__startswith="批量任务").values_list("pk", flat=True))
    page = list(TaskViewSet.queryset.filter(pk__in=ids).order_by("pk"))
    assert all(rows_attr("cooperating_units") in t.__dict__ and not t._prefetched_objects_cache for t in page)
    context = {"request": SimpleNamespace(user=world.people.admin)}
    TaskSerializer(page, many=True, context=context).data  # the caller's roles and submissions, read once  # noqa: B018
    with django_assert_max_num_queries(0):
        from_page = TaskSerializer(page, many=True, context=context).data
    alone = TaskSerializer(list(Task.objects.filter(pk__in=ids).order_by("pk")), many=True, context=context).data
    for a, b in zip(from_page, alone, strict=True):
        assert (
            a["cooperating_units"]
            == b["cooperating_units"]
            == [{"id": world.units.cgj.pk, "name": world.units.cgj.name}]
        )
        assert a["indicators"] == b["indicators"] != []


def test_filters_named_in_the_request_filter_as_the_whole_filterset(world):
    """Only the filters a request names are built; the rows and the refusal of a bad value are
    those of the whole filterset."""
    from urllib.parse import urlencode

    from django.http import QueryDict

    from tasks.api.views import TaskAPIFilter

    _bulk_tasks(world, 30, 0)
    client = APIClient()
    client.force_authenticate(world.people.admin)
    today = timezone.localdate()
    params = {"state": "in_progress", "owner_unit": world.units.street_a1.pk, "page_size": 100}
    rows = client.get("/api/v1/tasks/", params).json()["results"]
    whole = TaskAPIFilter(QueryDict(urlencode(params)), queryset=Task.objects.all()).qs
    assert whole.count() > 0
    assert sorted(r["id"] for r in rows) == sorted(whole.values_list("id", flat=True))
    bad = client.get("/api/v1/tasks/", {"state": "nonsense"})
    assert bad.status_code == 400 and "state" in bad.json()
    window = {"deadline_from": str(today), "deadline_to": str(today + dt.timedelta(days=5)), "page_size": 500}
    rows = client.get("/api/v1/tasks/", window).json()["results"]
    assert rows and all(window["deadline_from"] <= r["deadline"] <= window["deadline_to"] for r in rows)


def test_browsable_api_filter_form_lists_every_filter(world):
    client = APIClient()
    client.force_authenticate(world.people.admin)
    page = client.get("/api/v1/tasks/", {"state": "pending"}, HTTP_ACCEPT="text/html").content.decode()
    for name in ("state", "lagging", "deadline_from", "owner_unit"):
        assert f'name="{name}"' in page


def test_output_fields_built_once_per_class_and_copied_per_serializer(world):
    """Each serializer gets its own unbound copy of the fields its class built once (no field
    object shared between two requests' serializers)."""
    from tasks.api.serializers import TaskSerializer

    first, second = TaskSerializer(), TaskSerializer()
    assert list(first.fields) == list(second.fields)
    assert "_built_fields" in TaskSerializer.__dict__
    for name in first.fields:
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
