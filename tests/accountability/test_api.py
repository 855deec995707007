"""The accountability API: a permission matrix over every route — 约谈 and 问责 restricted to
the office, the district's leaders and the unit's head (unit staff get a 404), 表扬 published,
recording by the office only, 建议约谈 for the office — with refused writes changing nothing."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from accountability import services
from accountability.models import Commendation, Decision, Interview
from chuangcheng.notifications.models import Notice
from tasks.models import Task
from tests.api_matrix import METHODS, UNIT_ROLES, Case, client_for, expecting, parametrize, snapshot
from tests.dossiers.conftest import pdf

ROLES = UNIT_ROLES


expect = expecting(ROLES, 200, anonymous=403, nobody=404, staff_b=404, staff=404, district_supervisor=404)


LIST = expect(nobody=200, staff_b=200, staff=200, district_supervisor=200)
RESTRICTED_JIA = expect()
RESTRICTED_YI = expect(head=404, leader=404)
PUBLISHED = expect(staff_b=200, staff=200, district_supervisor=200)
CREATE = expect(
    nobody=403, staff_b=403, staff=403, head=403, district_supervisor=403, leader=403, supervisor=201, admin=201
)
SUGGESTIONS = expect(staff_b=403, staff=403, head=403, district_supervisor=403, leader=403)

MATRIX = [
    Case("interview", "list", "all", LIST),
    Case("interview", "retrieve", "jia", RESTRICTED_JIA),
    Case("interview", "retrieve", "yi", RESTRICTED_YI),
    Case("interview", "create", "new", CREATE),
    Case("accountability-decision", "list", "all", LIST),
    Case("accountability-decision", "retrieve", "jia", RESTRICTED_JIA),
    Case("accountability-decision", "retrieve", "yi", RESTRICTED_YI),
    Case("accountability-decision", "create", "new", CREATE),
    Case("accountability-decision", "document", "jia", RESTRICTED_JIA),
    Case("commendation", "list", "all", LIST),
    Case("commendation", "retrieve", "jia", PUBLISHED),
    Case("commendation", "create", "new", CREATE),
    Case("accountability-suggestions", "get", "all", SUGGESTIONS),
]
MATRIX_ROUTES = {(c.basename, c.action) for c in MATRIX}
PREFIX = {
    "interview": "/api/v1/interviews/",
    "accountability-decision": "/api/v1/accountability-decisions/",
    "commendation": "/api/v1/commendations/",
}
MODELS = {"interview": Interview, "accountability-decision": Decision, "commendation": Commendation}


@pytest.fixture
def world(campaign, units, people):
    held = timezone.now() - timezone.timedelta(days=1)

    def interview(unit):
        return services.interview_record(
            actor=people.supervisor,
            campaign=campaign,
            unit=unit,
            held_at=held,
            interviewee="主任",
            interviewers="市创建办",
            reason="黑旗",
        )

    def decision(unit, **kw):
        return services.decision_record(
            actor=people.supervisor,
            campaign=campaign,
            kind="criticism",
            unit=unit,
            decided_on=timezone.localdate(),
            decided_by="市创建办",
            description="通报批评",
            **kw,
        )

    return SimpleNamespace(
        campaign=campaign,
        units=units,
        people=people,
        interview={"jia": interview(units.street_a1), "yi": interview(units.street_b1)},
        decision={"jia": decision(units.street_a1, document=pdf(name="决定.pdf")), "yi": decision(units.street_b1)},
        commendation={
            "jia": services.commendation_record(
                actor=people.supervisor,
                campaign=campaign,
                unit=units.street_a1,
                reason="整治突出",
                commended_on=timezone.localdate(),
            )
        },
    )


def _url(w, case):
    if case.basename == "accountability-suggestions":
        return f"/api/v1/accountability/suggestions/?campaign={w.campaign.pk}"
    base = PREFIX[case.basename]
    if case.target in ("all", "new"):
        return base
    obj = getattr(w, case.basename.removeprefix("accountability-"))[case.target]
    if case.action == "document":
        return f"{base}{obj.pk}/document/"
    return f"{base}{obj.pk}/"


def _payload(w, case):
    if case.action != "create":
        return None
    common = {"campaign": w.campaign.pk, "unit": w.units.street_a1.pk}
    return {
        "interview": {
            **common,
            "held_at": (timezone.now() - timezone.timedelta(hours=1)).isoformat(),
            "interviewee": "主任 张某",
            "interviewers": "市创建办主任",
            "reason": "问题长期超期",
            "commitment": "一周内整改",
            "follow_up_date": str(timezone.localdate() + timezone.timedelta(days=7)),
        },
        "accountability-decision": {
            **common,
            "kind": "deduction",
            "points": "1.5",
            "decided_on": str(timezone.localdate()),
            "decided_by": "市创建工作指挥部",
            "description": "推诿扯皮",
        },
        "commendation": {**common, "reason": "整治突出", "commended_on": str(timezone.localdate())},
    }[case.basename]


def _everything():
    return [snapshot(m) for m in (Interview, Decision, Commendation, Task, Notice)]


@pytest.mark.parametrize(("case", "role", "status"), parametrize(MATRIX))
def test_permission_matrix(world, case, role, status):
    method = METHODS.get(case.action, "get")
    payload = _payload(world, case)
    before = _everything()
    client = client_for(role, world.people)
    url = _url(world, case)
    response = client.post(url, payload, format="json") if payload is not None else getattr(client, method)(url)

    assert response.status_code == status, getattr(response, "data", response)
    if method != "get" and status >= 400:
        assert _everything() == before
        assert response.data["detail"]
        return
    if status >= 400:
        return
    user = getattr(world.people, role)
    if case.action == "list":
        model = MODELS[case.basename]
        ids = {row["id"] for row in response.data["results"]}
        assert ids == set(model.objects.visible_to(user).values_list("pk", flat=True))
    elif case.action == "document":
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    elif case.action == "create":
        record = MODELS[case.basename].objects.get(pk=response.data["id"])
        assert record.recorded_by == user
        if case.basename == "interview":
            assert record.follow_up_task.owner_unit == world.units.street_a1
    elif case.action == "get":
        assert response.data["campaign"]["id"] == world.campaign.pk
    else:
        assert response.data["id"] == getattr(world, case.basename.removeprefix("accountability-"))[case.target].pk


def test_every_route_is_in_the_matrix():
    from tests.api_matrix import router_actions

    mine = {k for k, viewset in router_actions().items() if viewset.__module__.startswith("accountability.")}
    assert mine and mine <= MATRIX_ROUTES
