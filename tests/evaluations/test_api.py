"""The 模拟测评 API: a permission matrix over every route and action, answers idempotent by
round site and item (a phone sending the same answer twice), refusals with nothing written,
and the score as the page shows it."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from evaluations import scoring, services
from evaluations.models import Answer, Round, RoundSite
from inspections.models import Issue
from tests.api_matrix import METHODS, UNIT_ROLES, Case, client_for, expecting, parametrize, snapshot
from tests.evaluations.conftest import jpeg

ROLES = UNIT_ROLES


expect = expecting(ROLES, 200, anonymous=403, nobody=404, staff_b=404, staff=404, head=404)


LIST = expect(nobody=200, staff_b=200, staff=200, head=200)
# The city's round: the office, and 甲区's supervisor and leader (it has sites in 甲区).
SEE_ROUND = expect()
OFFICE = expect(district_supervisor=403, leader=403)
# 甲区's sampled site: 甲区's supervisor (its inspector) and leader, the office, the admin.
SEE_JIA = expect()
SEE_YI = expect(district_supervisor=404, leader=404)
# Answering and 生成问题 at 甲区's site: its inspector, a supervisor over it, the admin.
ANSWER_JIA = expect(leader=403)
ANSWER_YI = expect(district_supervisor=404, leader=404)

MATRIX = [
    Case("evaluation-round", "list", "all", LIST),
    Case("evaluation-round", "retrieve", "round", SEE_ROUND),
    Case("evaluation-round", "score", "round", SEE_ROUND),
    Case("evaluation-round", "start", "planned", OFFICE),
    Case("evaluation-round", "close", "round", OFFICE),
    Case("evaluation-site", "list", "all", LIST),
    Case("evaluation-site", "retrieve", "jia", SEE_JIA),
    Case("evaluation-site", "retrieve", "yi", SEE_YI),
    Case("evaluation-site", "answers", "jia", ANSWER_JIA),
    Case("evaluation-site", "answers", "yi", ANSWER_YI),
    Case("evaluation-site", "generate_issues", "jia", ANSWER_JIA),
]
MATRIX_ROUTES = {(c.basename, c.action) for c in MATRIX}
PATHS = {
    "score": "score",
    "start": "start",
    "close": "close",
    "answers": "answers",
    "generate_issues": "generate-issues",
}
METHOD = {**METHODS, "score": "get", "start": "post", "close": "post", "answers": "post", "generate_issues": "post"}


@pytest.fixture
def world(people, campaign, city, checklist, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    round_ = services.round_create(
        actor=people.supervisor,
        campaign=campaign,
        name="第1轮",
        region=city.city,
        starts_on=today,
        ends_on=today + dt.timedelta(days=2),
        quotas={"market": 1},
        seed=3,
        inspectors=[people.district_supervisor, people.supervisor],
    )
    jia = RoundSite.objects.select_related("site", "round").get(round=round_, district=city.a)
    yi = RoundSite.objects.select_related("site", "round").get(round=round_, district=city.b)
    items = services.checklist(jia)
    services.site_answer(
        actor=people.district_supervisor,
        round_site_id=jia.pk,
        answers=[{"item": items[0].pk, "result": "fail", "photo": jpeg(1)}],
    )
    planned = services.round_create(
        actor=people.supervisor,
        campaign=campaign,
        name="第2轮",
        region=city.city,
        starts_on=today,
        ends_on=today,
        quotas={"market": 1},
        seed=4,
        inspectors=[people.district_supervisor, people.supervisor],
    )
    return SimpleNamespace(people=people, round=round_, planned=planned, jia=jia, yi=yi, items=items)


def _url(w, case):
    base = "/api/v1/evaluation-rounds/" if case.basename == "evaluation-round" else "/api/v1/evaluation-sites/"
    if case.target == "all":
        return base
    obj = getattr(w, case.target)
    return f"{base}{obj.pk}/" + (f"{PATHS[case.action]}/" if case.action in PATHS else "")


def _payload(w, case):
    if case.action == "answers":
        return {"answers": [{"item": w.items[1].pk, "result": "pass"}, {"item": w.items[2].pk, "result": "na"}]}
    return {}


@pytest.mark.parametrize(
    ("case", "role", "status"),
    parametrize(MATRIX),
)
def test_permission_matrix(world, case, role, status):
    before = (snapshot(Round), snapshot(Answer), snapshot(Issue))
    response = getattr(client_for(role, world.people), METHOD[case.action])(
        _url(world, case), _payload(world, case), format="json"
    )
    assert response.status_code == status, response.content
    if case.action in ("start", "close", "answers", "generate_issues") and status >= 400:
        assert (snapshot(Round), snapshot(Answer), snapshot(Issue)) == before
    if case.action == "retrieve" and status == 200:
        assert response.data["id"] == (world.round.pk if case.target == "round" else getattr(world, case.target).pk)
    if case.action == "generate_issues" and status == 200:
        assert len(response.data["created"]) == 1


def test_the_same_answer_sent_twice_is_recorded_once(world):
    client = client_for("district_supervisor", world.people)
    url = f"/api/v1/evaluation-sites/{world.jia.pk}/answers/"
    payload = {"item": world.items[1].pk, "result": "fail", "note": "占道", "photo": jpeg(2)}
    first = client.post(url, payload, format="multipart")
    assert first.status_code == 200, first.content
    again = client.post(url, {**payload, "photo": jpeg(2)}, format="multipart")
    assert again.status_code == 200
    assert Answer.objects.filter(round_site=world.jia).count() == 2
    assert len(again.data["answers"]) == 2 and len(again.data["checklist"]) == 3


def test_a_failure_without_its_photo_is_refused_naming_the_item(world):
    client = client_for("district_supervisor", world.people)
    before = snapshot(Answer)
    response = client.post(
        f"/api/v1/evaluation-sites/{world.jia.pk}/answers/",
        {"answers": [{"item": world.items[1].pk, "result": "fail"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.data["field"] == f"item_{world.items[1].pk}" and "须拍照" in response.data["detail"]
    assert snapshot(Answer) == before


def test_a_closed_round_answers_409(world):
    services.round_transition(actor=world.people.supervisor, round_id=world.round.pk, action="close")
    response = client_for("district_supervisor", world.people).post(
        f"/api/v1/evaluation-sites/{world.jia.pk}/answers/",
        {"answers": [{"item": world.items[1].pk, "result": "pass"}]},
        format="json",
    )
    assert response.status_code == 409, response.content


def test_the_score_is_the_pages_score(world):
    response = client_for("supervisor", world.people).get(f"/api/v1/evaluation-rounds/{world.round.pk}/score/")
    assert response.status_code == 200
    expected = scoring.round_score(world.round).as_dict()
    assert response.data == expected
    assert response.data["city"]["lost"] == "0.50" and "点位扣分" in response.data["definition"]
    ranks = [d["rank"] for d in response.data["districts"]]
    assert ranks == [1, None]  # 乙区 has no answer yet: not ranked
