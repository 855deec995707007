"""The inspections API (/api/v1/inspections/, /issues/, /issue-categories/): a permission matrix
over every route and workflow action, the whole lifecycle through the API, refusals (bad input,
bad photos, wrong state, wrong role) with nothing written, ``allowed_actions`` per caller, and
the query budgets of the list and the detail."""

import datetime as dt
import io
import re
import struct
import zlib
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from chuangcheng.notifications.models import Notice
from chuangcheng.org.models import Membership, User
from inspections import services
from inspections.models import Inspection, Issue, IssueEvent, IssueState, Photo, PhotoKind
from inspections.workflow import TRANSITIONS, allowed_actions
from tests.api_matrix import METHODS, UNIT_ROLES, Case, client_for, expecting, parametrize, snapshot
from tests.factories import SiteFactory, UserFactory
from tests.inspections.conftest import LAT, LNG, raw_upload, upload

ROLES = UNIT_ROLES


expect = expecting(ROLES, 200, anonymous=403, nobody=404, staff_b=404)


# Anonymous callers are refused (403: session authentication first); everyone else lists their scope.
LIST = expect(nobody=200, staff_b=200)
# An issue of 甲一街道办 in 甲一社区: its unit, 甲区's supervisor and leader, the city supervisor, the admin.
SEE_JIA = expect()
# An issue of 乙一街道办 in 乙一社区: for the 甲 people it does not exist.
SEE_YI = expect(staff_b=200, staff=404, head=404, district_supervisor=404, leader=404)
# A report not yet sent to a unit: the unit does not see it yet; supervisors in scope decide.
REPORTED_SUPERVISORS = expect(staff=404, head=404, leader=403)
# Supervisors in scope (and the admin): assign, decide requests, verify, reject, long-term, reopen.
SUPERVISORS = expect(staff=403, head=403, leader=403)
# The responsible unit's staff and head: sign, ask, submit, report progress — nobody else.
UNIT = expect(district_supervisor=403, supervisor=403, leader=403, admin=403)
UNIT_YI = expect(staff_b=200, staff=404, head=404, district_supervisor=404, supervisor=403, leader=404, admin=403)
# Photos: supervisors and the unit (the service then checks the kind); not the leader.
PHOTO = expect(staff=201, head=201, district_supervisor=201, supervisor=201, leader=403, admin=201)
# Recording: supervisors and leaders in scope, and the admin.
CREATE = expect(
    nobody=403, staff_b=403, staff=403, head=403, district_supervisor=201, supervisor=201, leader=201, admin=201
)
# Inspections in 甲区: the supervisors, the leader and the admin; the unit sees those that found its issues.
INSPECTION_JIA = expect()

MATRIX = [
    Case("issue", "list", "all", LIST),
    Case("issue", "retrieve", "assigned", SEE_JIA),
    Case("issue", "retrieve", "yi_assigned", SEE_YI),
    Case("issue", "create", "new", CREATE),
    Case("issue", "accept", "reported", REPORTED_SUPERVISORS),
    Case("issue", "merge", "reported", REPORTED_SUPERVISORS),
    Case("issue", "dismiss", "reported", REPORTED_SUPERVISORS),
    Case("issue", "assign", "assigned", SUPERVISORS),
    Case("issue", "sign", "assigned", UNIT),
    Case("issue", "sign", "yi_assigned", UNIT_YI),
    Case("issue", "request_reassignment", "assigned", UNIT),
    Case("issue", "reassign", "reassignment_requested", SUPERVISORS),
    Case("issue", "insist", "reassignment_requested", SUPERVISORS),
    Case("issue", "request_extension", "rectifying", UNIT),
    Case("issue", "approve_extension", "extension_requested", SUPERVISORS),
    Case("issue", "refuse_extension", "extension_requested", SUPERVISORS),
    Case("issue", "submit", "rectifying", UNIT),
    Case("issue", "verify", "submitted", SUPERVISORS),
    Case("issue", "reject", "submitted", SUPERVISORS),
    Case("issue", "move_long_term", "rectifying", SUPERVISORS),
    Case("issue", "long_term_progress", "long_term", UNIT),
    Case("issue", "reopen", "closed", SUPERVISORS),
    Case("issue", "photos", "submitted", SEE_JIA),
    Case("issue", "add_photo", "rectifying", PHOTO),
    Case("issue", "photo_file", "submitted", SEE_JIA),
    Case("issue", "events", "submitted", SEE_JIA),
    Case("issue", "integrity", "submitted", SEE_JIA),
    Case("inspection", "list", "all", LIST),
    Case("inspection", "retrieve", "inspection_jia", INSPECTION_JIA),
    Case("inspection", "retrieve", "inspection_yi", SEE_YI),
    Case("inspection", "create", "new", CREATE),
    Case("issue-category", "list", "all", LIST),
]
MATRIX_ROUTES = {(c.basename, c.action) for c in MATRIX}

# The state each successful action leaves the issue in.
AFTER = {
    "accept": "assigned",
    "merge": "dismissed",
    "dismiss": "dismissed",
    "assign": "assigned",
    "sign": "rectifying",
    "request_reassignment": "assigned",
    "reassign": "assigned",
    "insist": "assigned",
    "request_extension": "rectifying",
    "approve_extension": "rectifying",
    "refuse_extension": "rectifying",
    "submit": "submitted",
    "verify": "closed",
    "reject": "rectifying",
    "move_long_term": "long_term",
    "long_term_progress": "long_term",
    "reopen": "rectifying",
}
MULTIPART = {"submit", "long_term_progress", "add_photo", "create_with_photo"}


@pytest.fixture
def world(city, units, campaign, people, categories, make_issue):
    return SimpleNamespace(
        city=city, units=units, campaign=campaign, people=people, categories=categories, make_issue=make_issue
    )


def _in_state(w, state, **fields):
    """An issue of 甲一社区 (or 乙一社区 for ``yi_…``) in ``state``, made through the services."""
    p = w.people
    if state == "yi_assigned":
        issue = services.issue_create(
            actor=p.supervisor,
            campaign=w.campaign,
            category=w.categories.garbage,
            region=w.city.b1v,
            description="乙一社区暴露垃圾",
            assign=True,
        )
        return Issue.objects.get(pk=issue.pk)
    base = {
        "reassignment_requested": "assigned",
        "extension_requested": "rectifying",
        "long_term": "rectifying",
    }.get(state, state)
    issue = w.make_issue(base, **fields)
    if state == "reassignment_requested":
        services.issue_request_reassignment(actor=p.staff, issue_id=issue.pk, reason="territory", comment="不在本街道")
    elif state == "extension_requested":
        services.issue_request_extension(
            actor=p.staff, issue_id=issue.pk, reason="需采购设备", deadline=issue.rectification_deadline + _days(2)
        )
    elif state == "long_term":
        services.issue_move_long_term(
            actor=p.supervisor, issue_id=issue.pk, plan="改造垃圾站", target_date=timezone.localdate() + _days(60)
        )
    return Issue.objects.get(pk=issue.pk)


def _days(n):
    return dt.timedelta(days=n)


def _target(w, case):
    if case.target in ("all", "new"):
        return None
    if case.target.startswith("inspection_"):
        # An inspection that found one issue, sent to the unit of its area (so the unit sees it).
        actor, area, spot = (
            (w.people.district_supervisor, w.city.a, w.city.a1v)
            if case.target == "inspection_jia"
            else (w.people.supervisor, w.city.b, w.city.b1v)
        )
        today = timezone.localdate()
        inspection = services.inspection_create(
            actor=actor, campaign=w.campaign, kind="covert", date=today, region=area
        )
        services.issue_create(
            actor=actor,
            campaign=w.campaign,
            category=w.categories.garbage,
            region=spot,
            description="暗访发现暴露垃圾",
            inspection=inspection,
            assign=True,
        )
        return inspection
    return _in_state(w, case.target)


PATHS = {name: name.replace("_", "-") for name in TRANSITIONS}
PATHS.update(photos="photos", add_photo="photos", events="events", integrity="integrity")


def _url(case, obj):
    prefix = f"/api/v1/{case.basename}s/" if case.basename != "issue-category" else "/api/v1/issue-categories/"
    if obj is None:
        return prefix
    if case.action == "photo_file":
        return f"{prefix}{obj.pk}/photos/{obj.photos.first().pk}/thumbnail/"
    if case.action in PATHS:
        return f"{prefix}{obj.pk}/{PATHS[case.action]}/"
    return f"{prefix}{obj.pk}/"


def _payload(w, case, obj):
    today = timezone.localdate()
    if case.action == "create":
        if case.basename == "inspection":
            return {"campaign": w.campaign.pk, "kind": "supervision", "date": str(today), "region": w.city.a1.pk}
        return {
            "campaign": w.campaign.pk,
            "category": w.categories.ads.pk,
            "description": "商铺门前乱堆放",
            "region": w.city.a1v.pk,
            "latitude": "34.760001",
            "longitude": "113.660002",
            "severity": "serious",
        }
    if case.action == "request_extension":
        return {"reason": "需采购设备", "deadline": (obj.rectification_deadline + _days(3)).isoformat()}
    if case.action == "merge":
        target = w.make_issue("assigned", latitude=LAT + 0.01)
        return {"target": target.pk, "comment": "重复上报"}
    return {
        "accept": {"responsible_unit": w.units.street_a1.pk, "comment": "请尽快处理"},
        "dismiss": {"reason": "已是施工围挡，不属问题"},
        "assign": {"reason": "属城管局职责", "responsible_unit": w.units.cgj.pk},
        "sign": {"comment": "已签收"},
        "request_reassignment": {"reason": "ownership", "comment": "该处由城管局管养"},
        "reassign": {"responsible_unit": w.units.gov_a.pk, "comment": "由区政府统筹"},
        "insist": {"reason": "该路段属本街道"},
        "approve_extension": {"comment": "同意"},
        "refuse_extension": {"reason": "4 小时内可完成"},
        "submit": {"measures": "已清运垃圾", "photos": [upload(7001)]},
        "verify": {"comment": "现场已整改"},
        "reject": {"reason": "仍有垃圾"},
        "move_long_term": {"plan": "纳入老旧小区改造", "target_date": str(today + _days(90))},
        "long_term_progress": {"note": "已完成设计", "photos": [upload(7002)]},
        "reopen": {"reason": "垃圾又堆起来了"},
        "add_photo": {"kind": "evidence", "photos": [upload(7003)], "comment": "整改通知书"},
    }.get(case.action)


def _media_files():
    root = settings.MEDIA_ROOT
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _everything():
    """What a refused call must leave as it was: issues, their history, photos, notices, files."""
    return [snapshot(m) for m in (Issue, IssueEvent, Photo, Inspection, Notice)] + [_media_files()]


def _call(client, method, url, payload, multipart):
    if payload is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, payload, format="multipart" if multipart else "json")


READS = {"photos", "photo_file", "events", "integrity"}


@pytest.mark.parametrize(("case", "role", "status"), parametrize(MATRIX))
def test_permission_matrix(world, case, role, status):
    obj = _target(world, case)
    method = METHODS.get(case.action, "get" if case.action in READS else "post")
    payload = _payload(world, case, obj)
    before = _everything()
    events_before = IssueEvent.objects.count()

    response = _call(client_for(role, world.people), method, _url(case, obj), payload, case.action in MULTIPART)

    assert response.status_code == status, getattr(response, "data", response)
    if method != "get" and status >= 400:
        assert _everything() == before
        assert response.data["detail"]
        return
    if status >= 400:
        return
    user = getattr(world.people, role)
    if case.action == "list":
        model = {"issue": Issue, "inspection": Inspection}.get(case.basename)
        ids = {row["id"] for row in response.data["results"]}
        if model is None:
            assert {row["name"] for row in response.data["results"]} == {"暴露垃圾", "绿地养护", "门前三包"}
            return
        assert ids == set(model.objects.visible_to(user).values_list("pk", flat=True))
        return
    if case.action == "photo_file":
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
        return
    if case.action == "photos":
        assert [p["kind"] for p in response.data] == ["after"]
        assert response.data[0]["thumbnail_url"].endswith("/thumbnail/")
        return
    if case.action == "events":
        assert [e["action"] for e in response.data] == ["create", "accept", "sign", "submit"]
        assert response.data[-1]["actor_name"] == "staff_a1"
        assert len(response.data[-1]["photos"]) == 1
        return
    if case.action == "integrity":
        assert response.data == []
        return
    if case.basename == "inspection":
        inspection = Inspection.objects.get(pk=response.data["id"])
        if case.action == "create":
            assert list(inspection.inspectors.all()) == [user]
            assert response.data["kind"] == "supervision"
        else:
            assert inspection == obj
            assert (response.data["issue_count"], response.data["kind_display"]) == (1, "暗访")
        return
    if case.action == "add_photo":
        assert [p["kind"] for p in response.data] == ["evidence"]
        assert Photo.objects.filter(issue=obj, kind="evidence", uploaded_by=user).count() == 1
        return
    issue = Issue.objects.get(pk=response.data["id"])
    assert response.data["state"] == issue.state
    assert response.data["allowed_actions"] == allowed_actions(user, issue)
    if case.action == "retrieve":
        assert issue == obj
        return
    assert IssueEvent.objects.count() > events_before
    event = IssueEvent.objects.filter(issue=issue).latest("id")
    assert event.actor == user
    if case.action == "create":
        assert (issue.state, issue.category, issue.severity, issue.created_by) == (
            "reported",
            world.categories.ads,
            "serious",
            user,
        )
        return
    assert issue == obj
    assert issue.state == AFTER[case.action]
    expected_after = {
        "accept": lambda: issue.responsible_unit == world.units.street_a1,
        "merge": lambda: issue.merged_into_id == payload["target"],
        "dismiss": lambda: issue.dismiss_reason == "已是施工围挡，不属问题",
        "assign": lambda: issue.responsible_unit == world.units.cgj,
        "sign": lambda: issue.signed_at is not None and issue.rectification_deadline is not None,
        "request_reassignment": lambda: issue.pending_request == "reassignment",
        "reassign": lambda: issue.responsible_unit == world.units.gov_a and not issue.pending_request,
        "insist": lambda: issue.responsible_unit == world.units.street_a1 and not issue.pending_request,
        "request_extension": lambda: issue.pending_request == "extension" and issue.requested_deadline is not None,
        "approve_extension": lambda: (
            issue.extension_count == 1 and issue.rectification_deadline > obj.rectification_deadline
        ),
        "refuse_extension": lambda: issue.rectification_deadline == obj.rectification_deadline,
        "submit": lambda: issue.measures == "已清运垃圾" and issue.photos.filter(kind="after").count() == 1,
        "verify": lambda: issue.closed_by == user,
        "reject": lambda: issue.rework_count == 1,
        "move_long_term": lambda: issue.long_term_plan == "纳入老旧小区改造",
        "long_term_progress": lambda: event.comment == "已完成设计" and event.photos.count() == 1,
        "reopen": lambda: issue.recurrence_count == 1,
    }[case.action]
    assert expected_after()


def test_the_matrix_covers_every_role_and_every_workflow_action():
    assert all(set(case.expected) == set(ROLES) for case in MATRIX)
    assert {a for b, a in MATRIX_ROUTES if b == "issue"} >= set(TRANSITIONS)


# --- The lifecycle a clerk and a supervisor go through --------------------------------------------


def test_create_with_photo_accept_sign_submit_reject_submit_verify(world, people, units):
    inspector, clerk = client_for("district_supervisor", people), client_for("staff", people)

    response = inspector.post(
        "/api/v1/issues/",
        {
            "campaign": world.campaign.pk,
            "category": world.categories.garbage.pk,
            "description": "十字路口东北角暴露垃圾",
            "region": world.city.a1v.pk,
            "address": "甲一路与甲二路交叉口",
            "latitude": "34.7579751234",  # a phone's precision is kept to six decimals
            "longitude": "113.6654121234",
            "photos": [upload(1), upload(2, name="wide.png", fmt="PNG")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.data
    issue = response.data
    url = f"/api/v1/issues/{issue['id']}"
    assert (issue["state"], issue["state_display"]) == ("reported", "待受理")
    assert issue["category"]["name"] == "暴露垃圾"
    assert issue["region"]["full_name"] == "示范市甲区甲一街道甲一社区"
    assert (issue["latitude"], issue["longitude"]) == ("34.757975", "113.665412")
    assert [p["kind"] for p in issue["photos"]] == ["before", "before"]
    assert issue["allowed_actions"] == ["accept", "merge", "dismiss", "add_photo"]
    thumb = inspector.get(issue["photos"][0]["thumbnail_url"])
    assert (thumb.status_code, thumb["Content-Type"]) == (200, "image/jpeg")

    response = inspector.post(f"{url}/accept/", {"responsible_unit": units.street_a1.pk}, format="json")
    assert (response.status_code, response.data["state"]) == (200, "assigned")
    assert response.data["responsible_unit"] == {"id": units.street_a1.pk, "name": "甲一街道办事处"}
    assert response.data["sign_deadline"] is not None
    assert clerk.get(f"{url}/").data["allowed_actions"] == ["sign", "request_reassignment", "add_photo"]

    response = clerk.post(f"{url}/sign/", {}, format="json")
    assert (response.status_code, response.data["state"]) == (200, "rectifying")
    assert response.data["rectification_deadline"] is not None and response.data["overdue"] is False

    response = clerk.post(f"{url}/submit/", {"measures": "已清运"}, format="multipart")
    assert (response.status_code, response.data["field"]) == (400, "photos")  # after-photos are required
    response = clerk.post(f"{url}/submit/", {"measures": "已清运", "photos": [upload(3)]}, format="multipart")
    assert (response.status_code, response.data["state"]) == (200, "submitted")

    response = inspector.post(f"{url}/reject/", {"reason": "墙角仍有垃圾"}, format="json")
    assert (response.status_code, response.data["state"], response.data["rework_count"]) == (200, "rectifying", 1)
    response = clerk.post(f"{url}/submit/", {"measures": "墙角已清理", "photos": [upload(4)]}, format="multipart")
    assert (response.status_code, response.data["state"]) == (200, "submitted")

    # The clerk never verifies their own unit's work — nor does a supervisor who belongs to it.
    before = _everything()
    assert clerk.post(f"{url}/verify/", {}, format="json").status_code == 403
    insider = User.objects.create(username="insider", display_name="街道督查员")
    Membership.objects.create(user=insider, unit=units.street_a1, role="supervisor")
    Membership.objects.create(user=insider, unit=units.gov_a, role="supervisor")
    response = client_for("insider", SimpleNamespace(insider=insider)).post(f"{url}/verify/", {}, format="json")
    assert response.status_code == 403
    assert "核查销号" in response.data["detail"]
    assert _everything() == before

    integrity = inspector.get(f"{url}/integrity/")
    assert integrity.status_code == 200 and integrity.data == []
    response = inspector.post(f"{url}/verify/", {"comment": "复查合格"}, format="json")
    assert (response.status_code, response.data["state"]) == (200, "closed")
    assert response.data["closed_at"] is not None
    assert response.data["allowed_actions"] == ["reopen"]

    timeline = clerk.get(f"{url}/events/").data
    assert [(e["action"], e["actor_name"], e["from_state"], e["to_state"]) for e in timeline] == [
        ("create", "dsupervisor", "", "reported"),
        ("accept", "dsupervisor", "reported", "assigned"),
        ("sign", "staff_a1", "assigned", "rectifying"),
        ("submit", "staff_a1", "rectifying", "submitted"),
        ("reject", "dsupervisor", "submitted", "rectifying"),
        ("submit", "staff_a1", "rectifying", "submitted"),
        ("verify", "dsupervisor", "submitted", "closed"),
    ]
    assert (timeline[4]["action_display"], timeline[4]["comment"]) == ("核查退回", "墙角仍有垃圾")
    assert timeline[4]["changes"] == {"rework_count": [0, 1]}
    assert [len(e["photos"]) for e in timeline] == [2, 0, 0, 1, 0, 1, 0]
    photos = clerk.get(f"{url}/photos/").data
    assert [p["kind"] for p in photos] == ["before", "before", "after", "after"]
    assert client_for("staff_b", people).get(photos[0]["url"]).status_code == 404


def test_a_photo_reused_from_another_issue_is_flagged_for_the_verifier(world, people):
    first = _in_state(world, "submitted", seed=4242)
    second = _in_state(world, "rectifying", latitude=LAT + 0.01)
    clerk = client_for("staff", people)
    response = clerk.post(
        f"/api/v1/issues/{second.pk}/submit/", {"measures": "已清理", "photos": [upload(4242)]}, format="multipart"
    )
    assert response.status_code == 200, response.data
    flags = client_for("supervisor", people).get(f"/api/v1/issues/{second.pk}/integrity/").data
    assert [(f["kind"], f["other_issue_id"]) for f in flags] == [("duplicate_photo", first.pk)]
    assert f"#{first.pk}" in flags[0]["message"]


# --- Refusals: each names what is wrong, and nothing is written ------------------------------------


def _refused(response, status, field=None):
    assert response.status_code == status, response.data
    if field:
        assert field in response.data, response.data
        assert response.data.get("field", field) == field
    return response.data


def _counts():
    return Issue.objects.count(), IssueEvent.objects.count(), Photo.objects.count(), len(_media_files())


def _png_claiming(width, height):
    """A PNG whose header claims ``width``×``height`` (the pixels are never there)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def _create(client, world, **overrides):
    payload = {
        "campaign": world.campaign.pk,
        "category": world.categories.garbage.pk,
        "description": "暴露垃圾",
        "region": world.city.a1v.pk,
        "latitude": str(LAT),
        "longitude": str(LNG),
        "photos": [upload(11)],
        **overrides,
    }
    return client.post("/api/v1/issues/", payload, format="multipart")


def test_bad_photos_are_refused_and_nothing_is_written(world, people):
    client = client_for("district_supervisor", people)
    before, everything = _counts(), _everything()
    fake = raw_upload(b"MZ\x90\x00" + b"\x00" * 300, "evil.jpg")
    data = _refused(_create(client, world, photos=[upload(12), fake]), 400, "photos")
    assert "evil.jpg" in data["detail"]
    bomb = SimpleUploadedFile("bomb.png", _png_claiming(20000, 10000), content_type="image/png")
    data = _refused(_create(client, world, photos=[bomb]), 400, "photos")
    assert "像素过大" in data["detail"]
    assert _counts() == before and _everything() == everything

    rectifying = _in_state(world, "rectifying")
    before, everything = _counts(), _everything()
    clerk = client_for("staff", people)
    url = f"/api/v1/issues/{rectifying.pk}"
    bomb = SimpleUploadedFile("bomb.png", _png_claiming(15000, 14000), content_type="image/png")
    _refused(
        clerk.post(f"{url}/submit/", {"measures": "已清理", "photos": [upload(13), bomb]}, format="multipart"),
        400,
        "photos",
    )
    _refused(
        clerk.post(f"{url}/photos/", {"kind": "after", "photos": [raw_upload(b"%PDF-1.7\n" + b"0" * 300)]}),
        400,
        "photos",
    )
    _refused(clerk.post(f"{url}/photos/", {"kind": "after"}, format="multipart"), 400, "photos")
    _refused(clerk.post(f"{url}/photos/", {"kind": "selfie", "photos": [upload(14)]}, format="multipart"), 400, "kind")
    # A clerk may add after-photos and evidence, never the inspector's before-photos.
    response = clerk.post(f"{url}/photos/", {"kind": "before", "photos": [upload(15)]}, format="multipart")
    assert _refused(response, 403)["code"] == "forbidden"
    assert _counts() == before and _everything() == everything


def test_bad_issue_input_names_the_field_and_writes_nothing(world, people):
    client = client_for("district_supervisor", people)
    before = _counts()
    _refused(_create(client, world, category=999999), 400, "category")
    world.categories.green.is_active = False
    world.categories.green.save(update_fields=["is_active"])
    _refused(_create(client, world, category=world.categories.green.pk), 400, "category")
    # Outside the country (latitude and longitude swapped).
    _refused(_create(client, world, latitude=str(LNG), longitude=str(LAT)), 400, "latitude")
    _refused(_create(client, world, latitude="34.1", longitude=""), 400, "longitude")
    # In China but outside the campaign's city (the box around its located sites, + ≈20 km).
    SiteFactory(region=world.city.a1v, responsible_unit=world.units.street_a1, latitude=LAT, longitude=LNG)
    _refused(_create(client, world, latitude="39.904200", longitude="116.407400"), 400, "latitude")
    _refused(_create(client, world, latitude="north"), 400, "latitude")
    _refused(_create(client, world, description="  "), 400, "description")
    _refused(_create(client, world, region=world.city.b1v.pk), 400, "region")  # out of the caller's scope
    _refused(_create(client, world, severity="apocalyptic"), 400, "severity")
    yesterday = timezone.now() - _days(1)
    data = _refused(
        _create(client, world, responsible_unit=world.units.street_a1.pk, deadline=yesterday.isoformat()),
        400,
        "deadline",
    )
    assert "早于当前时间" in data["detail"]
    _refused(
        _create(
            client, world, responsible_unit=world.units.street_a1.pk, deadline=str(timezone.localdate() - _days(1))
        ),
        400,
        "deadline",
    )
    _refused(_create(client, world, deadline="soon"), 400, "deadline")
    assert _counts() == before
    # A leader may record (领导交办) but not send it to a unit directly.
    response = _create(client_for("leader", people), world, responsible_unit=world.units.street_a1.pk)
    assert _refused(response, 403)["code"] == "forbidden"
    assert _counts() == before
    # JSON without photos is fine.
    response = client.post(
        "/api/v1/issues/",
        {
            "campaign": world.campaign.pk,
            "category": world.categories.garbage.pk,
            "description": "x",
            "region": world.city.a1v.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["photos"] == []


def test_deadlines_in_the_past_and_extensions_past_the_limit_are_refused(world, people):
    rectifying = _in_state(world, "rectifying")
    assigned = _in_state(world, "assigned", latitude=LAT + 0.01)
    clerk, inspector = client_for("staff", people), client_for("district_supervisor", people)
    everything = _everything()
    url = f"/api/v1/issues/{rectifying.pk}"
    too_far = rectifying.rectification_deadline + _days(30)
    data = _refused(
        clerk.post(f"{url}/request-extension/", {"reason": "工程量大", "deadline": too_far.isoformat()}, format="json"),
        400,
        "deadline",
    )
    assert "延期最多 10 个工作日" in data["detail"]
    _refused(
        clerk.post(
            f"{url}/request-extension/",
            {"reason": "工程量大", "deadline": str(timezone.localdate() - _days(1))},
            format="json",
        ),
        400,
        "deadline",
    )
    _refused(clerk.post(f"{url}/request-extension/", {"reason": "工程量大"}, format="json"), 400, "deadline")
    _refused(
        clerk.post(
            f"{url}/request-extension/",
            {"reason": " ", "deadline": (rectifying.rectification_deadline + _days(1)).isoformat()},
            format="json",
        ),
        400,
        "reason",
    )
    past = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    _refused(
        inspector.post(
            f"/api/v1/issues/{assigned.pk}/assign/", {"reason": "调整时限", "deadline": past}, format="json"
        ),
        400,
        "deadline",
    )
    _refused(
        inspector.post(f"/api/v1/issues/{assigned.pk}/assign/", {"reason": "调整"}, format="json"),
        400,
        "responsible_unit",
    )
    _refused(
        inspector.post(
            f"{url}/move-long-term/",
            {"plan": "改造", "target_date": str(timezone.localdate() + _days(400))},
            format="json",
        ),
        400,
        "target_date",
    )
    _refused(
        clerk.post(
            f"/api/v1/issues/{assigned.pk}/request-reassignment/",
            {"reason": "lazy", "comment": "不想做"},
            format="json",
        ),
        400,
        "reason",
    )
    _refused(
        inspector.post(
            f"/api/v1/issues/{assigned.pk}/assign/",
            {"reason": "乙区代办", "responsible_unit": world.units.street_b1.pk},
            format="json",
        ),
        400,
        "responsible_unit",
    )
    assert _everything() == everything


def test_wrong_state_is_a_conflict_with_the_current_state(world, people):
    closed = _in_state(world, "closed")
    assigned = _in_state(world, "assigned", latitude=LAT + 0.01)
    everything = _everything()
    inspector, clerk = client_for("district_supervisor", people), client_for("staff", people)
    data = _refused(inspector.post(f"/api/v1/issues/{closed.pk}/verify/", {}, format="json"), 409)
    assert (data["state"], data["code"]) == ("closed", "conflict")
    assert "已销号" in data["detail"]
    data = _refused(
        clerk.post(
            f"/api/v1/issues/{assigned.pk}/submit/", {"measures": "x", "photos": [upload(21)]}, format="multipart"
        ),
        409,
    )
    assert data["state"] == "assigned"
    data = _refused(inspector.post(f"/api/v1/issues/{assigned.pk}/insist/", {"reason": "x"}, format="json"), 409)
    assert (data["state"], data["pending_request"]) == ("assigned", "")
    assert _everything() == everything


def test_wrong_role_or_scope(world, people):
    yi = _in_state(world, "yi_assigned")
    assigned = _in_state(world, "assigned")
    everything = _everything()
    # Out of scope: the same answer as a missing issue, whatever the action.
    assert client_for("district_supervisor", people).post(f"/api/v1/issues/{yi.pk}/assign/", {}).status_code == 404
    assert client_for("staff", people).get(f"/api/v1/issues/{yi.pk}/events/").status_code == 404
    assert client_for("staff", people).get("/api/v1/issues/999999/").status_code == 404
    # In scope but not theirs to do: 403 before the input is read.
    response = client_for("leader", people).post(f"/api/v1/issues/{assigned.pk}/assign/", {"responsible_unit": 999999})
    assert _refused(response, 403)["detail"] == "您没有权限对该问题执行“改派”。"
    response = client_for("district_supervisor", people).post(f"/api/v1/issues/{assigned.pk}/sign/", {})
    assert _refused(response, 403)["detail"] == "您没有权限对该问题执行“签收”。"
    response = client_for("staff", people).post("/api/v1/issues/", {"description": "自己登记"}, format="json")
    _refused(response, 403)
    assert _everything() == everything


def test_a_leader_sees_the_offices_issues_only_in_bao_bao(world, people, units, city):
    """The leader is listed under the 创建办: an issue sent to the office is theirs only where
    their 包保 (甲区) holds it — in 乙区 it is a 404, and so is its inspection."""
    inspection = services.inspection_create(
        actor=people.supervisor, campaign=world.campaign, kind="supervision", date=timezone.localdate(), region=city.b
    )
    common = dict(actor=people.supervisor, campaign=world.campaign, category=world.categories.garbage)
    yi = services.issue_create(
        region=city.b1v, description="乙一社区暴露垃圾", responsible_unit=units.office, inspection=inspection, **common
    )
    jia = services.issue_create(
        region=city.a1v, description="甲一社区暴露垃圾", responsible_unit=units.office, **common
    )
    client = client_for("leader", people)
    assert client.get(f"/api/v1/issues/{yi.pk}/").status_code == 404
    assert client.get(f"/api/v1/issues/{yi.pk}/events/").status_code == 404
    assert client.get(f"/api/v1/inspections/{inspection.pk}/").status_code == 404
    assert client.get(f"/api/v1/issues/{jia.pk}/").status_code == 200
    ids = {row["id"] for row in client.get("/api/v1/issues/", {"page_size": 100}).data["results"]}
    assert jia.pk in ids and yi.pk not in ids
    assert client_for("supervisor", people).get(f"/api/v1/issues/{yi.pk}/").status_code == 200


# --- Reading -----------------------------------------------------------------------------------------


def test_output_filters_and_allowed_actions(world, people):
    assigned = _in_state(world, "assigned")
    overdue = _in_state(world, "rectifying", latitude=LAT + 0.01, severity="severe")
    Issue.objects.filter(pk=overdue.pk).update(rectification_deadline=timezone.now() - dt.timedelta(hours=1))
    _in_state(world, "yi_assigned")
    client = client_for("district_supervisor", people)
    data = client.get(f"/api/v1/issues/{overdue.pk}/").data
    assert (data["overdue"], data["traffic_light"]) == (True, "red")
    assert (data["severity"], data["severity_display"]) == ("severe", "严重")
    assert data["region"]["path"] == world.city.a1v.path
    assert data["allowed_actions"] == ["move_long_term", "add_photo"]
    rows = client.get("/api/v1/issues/", {"overdue": "true"}).data["results"]
    assert [r["id"] for r in rows] == [overdue.pk]
    rows = client.get("/api/v1/issues/", {"state": ["assigned", "rectifying"], "ordering": "id"}).data["results"]
    assert [r["id"] for r in rows] == [assigned.pk, overdue.pk]
    assert client.get("/api/v1/issues/", {"region": world.city.b.pk}).data["count"] == 0  # never widens
    assert client_for("admin", people).get("/api/v1/issues/", {"region": world.city.b.pk}).data["count"] == 1
    assert client.get("/api/v1/issues/", {"state": "lost"}).status_code == 400
    staff_rows = client_for("staff", people).get("/api/v1/issues/").data["results"]
    assert {r["id"]: r["allowed_actions"] for r in staff_rows} == {
        assigned.pk: ["sign", "request_reassignment", "add_photo"],
        overdue.pk: ["request_extension", "submit", "add_photo"],
    }
    categories = client.get("/api/v1/issue-categories/").data["results"]
    assert [(c["code"], c["time_limit_display"]) for c in categories] == [
        ("200102", "4 工作时"),
        ("CC03", "1 工作日"),
        ("CC06", "5 工作日"),
    ]


# --- Query budgets --------------------------------------------------------------------------------


def _bulk_issues(world, n, start):
    states = [IssueState.ASSIGNED, IssueState.RECTIFYING, IssueState.SUBMITTED, IssueState.CLOSED, IssueState.REPORTED]
    now = timezone.now()
    issues = Issue.objects.bulk_create(
        Issue(
            campaign=world.campaign,
            source="patrol",
            category=[world.categories.garbage, world.categories.ads][i % 2],
            description=f"批量问题{start + i}",
            region=[world.city.a1v, world.city.a1, world.city.a2][i % 3],
            responsible_unit=None if states[i % 5] == IssueState.REPORTED else world.units.street_a1,
            state=states[i % 5],
            rectification_deadline=now + dt.timedelta(hours=i % 48 - 24),
            closed_at=now if states[i % 5] == IssueState.CLOSED else None,
            created_by=world.people.supervisor,
            created_at=now - dt.timedelta(minutes=start + i),
        )
        for i in range(n)
    )
    Photo.objects.bulk_create(
        Photo(
            issue=issue,
            kind=PhotoKind.BEFORE,
            file=f"issues/bulk/{issue.pk}.jpg",
            thumbnail=f"issues/thumbs/bulk/{issue.pk}.jpg",
            size=1000,
            sha256=f"{issue.pk:064x}",
            original_sha256=f"{issue.pk:064x}",
            dhash=f"{issue.pk:016x}",
            width=160,
            height=120,
        )
        for issue in issues
    )


# Scope (memberships; a leader's assignments; the root regions for a city-wide supervisor), the
# caller's unit roles, count, page, the recorders, photos and the region names of the page —
# whatever the number of rows.
LIST_BUDGET = 9


def _list_as(world, role, django_assert_max_num_queries):
    client = APIClient()
    # A fresh user object: scope and memberships are looked up as on a real request.
    client.force_authenticate(User.objects.get(pk=getattr(world.people, role).pk))
    with django_assert_max_num_queries(LIST_BUDGET) as queries:
        response = client.get("/api/v1/issues/", {"page_size": 50})
    assert response.status_code == 200
    return len(queries), response.data["results"]


@pytest.mark.parametrize("role", ["admin", "district_supervisor", "leader", "staff"])
def test_list_query_budget(world, role, django_assert_max_num_queries):
    _bulk_issues(world, 60, 0)
    small, rows = _list_as(world, role, django_assert_max_num_queries)
    assert len(rows) == (50 if role != "staff" else 48)
    _bulk_issues(world, 1000, 60)
    large, rows = _list_as(world, role, django_assert_max_num_queries)
    assert len(rows) == 50
    assert large == small
    user = getattr(world.people, role)
    for issue in Issue.objects.filter(pk__in=[r["id"] for r in rows]).select_related("region"):
        row = next(r for r in rows if r["id"] == issue.pk)
        assert row["allowed_actions"] == allowed_actions(user, issue)
        assert len(row["photos"]) == 1 and row["photos"][0]["thumbnail_url"].endswith("/thumbnail/")
    assert {r["region"]["full_name"] for r in rows} <= {
        "示范市甲区甲一街道甲一社区",
        "示范市甲区甲一街道",
        "示范市甲区甲二街道",
    }


def test_detail_and_timeline_query_budget(world, people, django_assert_max_num_queries):
    issue = _in_state(world, "submitted")
    for seed in range(5):
        services.photo_add(actor=people.staff, issue_id=issue.pk, kind="evidence", photos=[upload(500 + seed)])

    def fresh_client():
        client = APIClient()
        client.force_authenticate(User.objects.get(pk=people.district_supervisor.pk))
        return client

    # The issue with its joins, its recorder, its photos, the caller's scope and unit roles, the
    # region's names, the issues the caller took part in rectifying (may they verify?).
    client = fresh_client()
    with django_assert_max_num_queries(7):
        response = client.get(f"/api/v1/issues/{issue.pk}/")
    assert response.status_code == 200 and len(response.data["photos"]) == 6
    # The caller's scope, the issue, its events with their actors, their photos.
    client = fresh_client()
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/issues/{issue.pk}/events/")
    assert len(response.data) == 9
    assert sum(len(e["photos"]) for e in response.data) == 6


def test_a_workflow_action_checks_the_issue_without_the_answers_photos(world, people):
    """Before the service runs, the check (visible? allowed?) reads the issue alone; its photos
    come once, with the answer read after the change."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    issue = _in_state(world, "submitted")
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=people.district_supervisor.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/issues/{issue.pk}/verify/", {}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["state"] == "closed" and len(response.data["photos"]) == 1
    prefetched = [
        q["sql"] for q in queries if 'FROM "inspections_photo" WHERE "inspections_photo"."issue_id" IN' in q["sql"]
    ]
    assert len(prefetched) == 1, prefetched


def test_schema_documents_every_action(db):
    from django.core.management import call_command

    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    for name in TRANSITIONS:
        if name == "add_photo":
            continue
        operation = paths[f"/api/v1/issues/{{id}}/{PATHS[name]}/"]["post"]
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"]), name
    assert "multipart/form-data" in paths["/api/v1/issues/{id}/submit/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in paths["/api/v1/issues/"]["post"]["requestBody"]["content"]
    assert set(paths["/api/v1/issues/{id}/photos/"]) >= {"get", "post"}
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out, stderr=out)


def test_list_and_detail_answer_as_drf_would(world):
    """The plan (chuangcheng.org.api.representation) against DRF's field-by-field walk: nested
    category, region and unit, photos, null site and unit, method fields."""
    from chuangcheng.org.api.representation import drf_reference

    _bulk_issues(world, 20, 0)
    world.make_issue("reported")
    client = APIClient()
    client.force_authenticate(world.people.admin)
    compiled = client.get("/api/v1/issues/", {"page_size": 100}).json()
    first = compiled["results"][0]["id"]
    detail = client.get(f"/api/v1/issues/{first}/").json()
    with drf_reference():
        assert client.get("/api/v1/issues/", {"page_size": 100}).json() == compiled
        assert client.get(f"/api/v1/issues/{first}/").json() == detail
    assert None in {r["responsible_unit"] and r["responsible_unit"]["id"] for r in compiled["results"]}


def test_compiled_answer_follows_the_language_of_each_request(world):
    """The labels a class's shared readers keep are per language: English, then Chinese again,
    each as DRF's own walk answers it."""
    from chuangcheng.org.api.representation import drf_reference

    world.make_issue("rectifying")
    client = APIClient()
    client.force_authenticate(world.people.admin)
    answers = {}
    for language in ("zh-hans", "en", "zh-hans"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # the language switch's cookie
        compiled = client.get("/api/v1/issues/", {"page_size": 100}).json()
        with drf_reference():
            assert client.get("/api/v1/issues/", {"page_size": 100}).json() == compiled
        answers.setdefault(language, compiled)
        assert answers[language] == compiled
    labels = {lang: {r["state_display"] for r in answer["results"]} for lang, answer in answers.items()}
    assert "整改中" in labels["zh-hans"] and "整改中" not in labels["en"]


def test_each_serializer_reads_its_own_request_and_caller(world, settings):
    """Readers shared by a class never carry a request: two serializers of one issue for two
    callers on two hosts answer each with its own photo URLs and its own allowed actions."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from inspections.api.serializers.output import IssueSerializer

    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    issue = world.make_issue("submitted")
    services.photo_add(actor=world.people.supervisor, issue_id=issue.pk, kind="evidence", photos=[upload(7101)])
    issue = Issue.objects.prefetch_related("photos").get(pk=issue.pk)

    def answer(user, host):
        request = Request(APIRequestFactory().get("/api/v1/issues/", HTTP_HOST=host))
        request.user = user
        return IssueSerializer(issue, context={"request": request}).data

    first = answer(world.people.supervisor, "a.example")
    second = answer(world.people.staff, "b.example")
    assert first["photos"] and all(p["url"].startswith("http://a.example/") for p in first["photos"])
    assert all(p["url"].startswith("http://b.example/") for p in second["photos"])
    assert first["allowed_actions"] == allowed_actions(world.people.supervisor, issue)
    assert second["allowed_actions"] == allowed_actions(world.people.staff, issue)
    assert first["allowed_actions"] != second["allowed_actions"]


@pytest.mark.parametrize(
    "ordering",
    ["rectification_deadline", "-rectification_deadline", "severity", "-severity", "-sign_deadline", "state"],
)
def test_issue_pages_walk_every_row_once_where_keys_are_null(make_issue, people, monkeypatch, ordering):
    """Keyset pages over nullable sort keys (an unassigned issue has no deadlines): NULLs where
    PostgreSQL puts them, every issue once, the same order as one big page."""
    from rest_framework.test import APIClient

    from chuangcheng import pagination

    severities = ["severe", "general", "negative_list", "serious", "general", "severe", "negative_list"]
    for state, severity in zip(
        ["reported", "assigned", "reported", "rectifying", "assigned", "closed", "reported"], severities, strict=True
    ):
        make_issue(state, severity=severity)
    client = APIClient()
    client.force_authenticate(people.admin)
    expected = [
        r["id"] for r in client.get("/api/v1/issues/", {"page_size": 500, "ordering": ordering}).data["results"]
    ]
    monkeypatch.setattr(pagination.CappedPaginator, "cap", 2)
    seen, url, params = [], "/api/v1/issues/", {"page_size": 2, "ordering": ordering}
    while url:
        data = client.get(url, params).data
        seen += [r["id"] for r in data["results"]]
        url, params = data["next"], None
    assert seen == expected and len(expected) == 7


def test_ordering_by_severity_ranks_the_most_serious_first_and_pages_every_row_once(make_issue, people, monkeypatch):
    """``ordering=-severity`` is by how serious (负面清单, 严重, 较重, 一般), not by the codes'
    alphabet (严重, 较重, 负面清单, 一般); the keyset pages past the cap run over the rank and
    give every issue once, ties in id order."""
    from rest_framework.test import APIClient

    from chuangcheng import pagination

    made = {}
    for severity in ["general", "negative_list", "serious", "severe", "general", "negative_list", "severe", "serious"]:
        made[make_issue("reported", severity=severity).pk] = severity
    client = APIClient()
    client.force_authenticate(people.admin)
    by_rank = ["general", "serious", "severe", "negative_list"]
    ascending = client.get("/api/v1/issues/", {"page_size": 500, "ordering": "severity"}).data["results"]
    assert [r["severity"] for r in ascending] == [s for s in by_rank for _ in range(2)]

    monkeypatch.setattr(pagination.CappedPaginator, "cap", 3)
    seen, url, params = [], "/api/v1/issues/", {"page_size": 2, "ordering": "-severity"}
    while url:
        data = client.get(url, params).data
        seen += [(r["id"], r["severity"]) for r in data["results"]]
        url, params = data["next"], None
    rank = {"negative_list": 4, "severe": 3, "serious": 2, "general": 1}
    assert [pk for pk, _s in seen] == sorted(made, key=lambda pk: (-rank[made[pk]], -pk))
    assert [s for _pk, s in seen[:4]] == ["negative_list", "negative_list", "severe", "severe"]
    assert len({pk for pk, _s in seen}) == len(made) == 8


def test_the_severity_rank_follows_the_severity_however_it_is_written(make_issue):
    """The rank is the database's (a generated column): save, update() and bulk_create alike."""
    from inspections.models import SEVERITY_RANK, Issue

    assert list(SEVERITY_RANK) == ["general", "serious", "severe", "negative_list"]
    issue = make_issue("reported")
    assert issue.severity_rank == 1
    issue.severity = "negative_list"
    issue.save(update_fields=["severity"])
    assert issue.severity_rank == 4  # read again after the UPDATE, not the old 1
    Issue.objects.filter(pk=issue.pk).update(severity="serious")
    assert Issue.objects.get(pk=issue.pk).severity_rank == 2
    copy = Issue.objects.get(pk=issue.pk)
    copy.pk, copy.tracking_code, copy.client_key, copy.severity = None, "", "", "severe"
    copy._state.adding = True
    [created] = Issue.objects.bulk_create([copy])
    assert Issue.objects.get(pk=created.pk).severity_rank == 3


def test_the_admin_sorts_issues_by_how_serious(client, make_issue):
    from django.urls import reverse

    made = {make_issue("reported", severity=s).pk: s for s in ["serious", "negative_list", "general", "severe"]}
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse("admin:inspections_issue_changelist")
    from inspections.admin import IssueAdmin

    column = IssueAdmin.list_display.index("severity_label")  # the admin's ?o= counts from 0
    page = client.get(url, {"o": f"-{column}"}).content.decode()
    shown = [int(pk) for pk in re.findall(r"/admin/inspections/issue/(\d+)/change/", page)]
    assert [made[pk] for pk in shown if pk in made] == ["negative_list", "severe", "serious", "general"]


def test_a_page_is_read_ids_first_and_keeps_its_order_and_filter(make_issue, people, django_assert_num_queries):
    """The issue list reads a page's ids (filter and sort only), then those rows with their
    joins (``page_ids_first``): the same rows in the same order as one read, and a row that
    left the filter between the two reads is left out rather than shown."""
    from chuangcheng.pagination import rows_by_ids

    made = [make_issue("reported", severity=s) for s in ["general", "severe", "serious", "severe"]]
    client = APIClient()
    client.force_authenticate(people.supervisor)
    for ordering in ["-severity", "created_at", "rectification_deadline", "-sign_deadline", "state"]:
        page = client.get("/api/v1/issues/", {"ordering": ordering, "page_size": 3}).data["results"]
        whole = Issue.objects.order_by(*_api_order(ordering))
        assert [r["id"] for r in page] == list(whole.values_list("pk", flat=True)[:3]), ordering

    rows = Issue.objects.filter(severity="severe").select_related("region")
    ids = [made[3].pk, made[0].pk, made[1].pk]  # made[0] is not severe: it left the filter
    with django_assert_num_queries(1):
        found = rows_by_ids(rows, ids)
        assert [r.region.name for r in found]
    assert [r.pk for r in found] == [made[3].pk, made[1].pk]
    assert rows_by_ids(rows, []) == []


def _api_order(ordering):
    """The API's order for ``ordering``: its column (severity → severity_rank), then id."""
    from chuangcheng.pagination import ordering_with_id

    return ordering_with_id([ordering.replace("severity", "severity_rank")])


def _held(index):
    """The columns PostgreSQL's index ``index`` holds, keys and INCLUDE alike."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index])
        definition = cursor.fetchone()[0]
    return set(re.findall(r'"?(\w+)"?(?=[,)])', definition.split(" USING ", 1)[1]))


SORTS = ["id", "created_at", "rectification_deadline", "sign_deadline", "severity_rank"]
FILTERS = ["state", "region_id", "responsible_unit_id"]


@pytest.mark.skipif(not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="PostgreSQL's INCLUDE")
@pytest.mark.parametrize(
    "index, columns",
    [
        ("insp_issue_region_state", ["region_id", "state", *SORTS]),
        ("insp_issue_unit_queue", ["responsible_unit_id", "state", *SORTS]),
        ("insp_issue_created", ["created_at", "id", *FILTERS]),
        ("insp_issue_order_deadline", ["rectification_deadline", "id", *FILTERS]),
        ("insp_issue_order_sign", ["sign_deadline", "id", *FILTERS]),
        ("insp_issue_order_severity_rank", ["severity_rank", "id", *FILTERS]),
    ],
)
def test_the_list_indexes_hold_what_a_page_of_ids_reads(db, index, columns):
    """A page's ids come from one index without reading the rows (``page_ids_first``): the
    filter indexes (a region's or a unit's issues in a state) hold every sort column, and the
    orderings' indexes hold the common filters. At 1,000,000 issues a district's 待核查 ids took
    24 ms through the heap and take 5 ms index-only (docs/performance.md); a test's table is too
    small for the planner to show it, so this checks what the indexes hold."""
    from inspections.api.views import IssueViewSet

    sorts = {IssueViewSet.ordering_columns.get(name, name) for name in IssueViewSet.ordering_fields}
    assert sorts - {"state"} <= set(SORTS)  # the state ordering has its own (state, id) index
    assert set(columns) <= _held(index), index


def test_a_cursor_page_goes_on_when_its_last_row_left_the_filter_in_between(make_issue, people, monkeypatch):
    """Ids first, cursor pages: whether there is a next page is the ids' to say. A row that left
    the filter between the two reads is not shown, and ``next`` still leads to the rest."""
    from chuangcheng import pagination

    made = [make_issue("reported").pk for _ in range(7)]
    monkeypatch.setattr(pagination.CappedPaginator, "cap", 2)
    real, vanished = pagination.rows_by_ids, made[-4]  # the last row of the first cursor page

    def losing_one(queryset, ids):
        return real(queryset, [pk for pk in ids if pk != vanished])

    monkeypatch.setattr(pagination, "rows_by_ids", losing_one)
    client = APIClient()
    client.force_authenticate(people.admin)
    seen, url, params = [], "/api/v1/issues/", {"page_size": 2}
    while url:
        data = client.get(url, params).data
        seen += [r["id"] for r in data["results"]]
        url, params = data["next"], None
    assert seen == [pk for pk in sorted(made, reverse=True) if pk != vanished]
