"""The dossiers API: a permission matrix over every route and action (requirements, materials,
completeness), refusals with nothing changed, the upload → return → new version → approve cycle
with the completeness figure, downloads always as attachments, and the list's query budget."""

from types import SimpleNamespace

import pytest
from django.conf import settings

from chuangcheng.notifications.models import Notice
from dossiers import services
from dossiers.models import DossierEvent, Material, MaterialVersion, Requirement
from tests.api_matrix import METHODS, UNIT_ROLES, Case, client_for, expecting, parametrize, snapshot
from tests.dossiers.conftest import html_as_pdf, pdf

ROLES = UNIT_ROLES


expect = expecting(ROLES, 200, anonymous=403, nobody=404, staff_b=404)


LIST = expect(nobody=200, staff_b=200)
# 甲一街道办's requirement: its unit, 甲区's supervisor and leader, the office, the admin.
SEE_JIA = expect()
# 乙一街道办's: the 甲 people do not know it exists.
SEE_YI = expect(staff_b=200, staff=404, head=404, district_supervisor=404, leader=404)
# The office (its supervisor) and the admin set requirements and review.
OFFICE = expect(staff=403, head=403, district_supervisor=403, leader=403)
OFFICE_YI = expect(staff_b=403, staff=404, head=404, district_supervisor=404, leader=404)
CREATE = expect(
    nobody=403, staff_b=403, staff=403, head=403, district_supervisor=403, leader=403, supervisor=201, admin=201
)
# The responsible unit's staff and head hand in; nobody else, however senior.
UNIT = expect(staff=201, head=201, district_supervisor=403, supervisor=403, leader=403, admin=403)
UNIT_VERSION = expect(district_supervisor=403, supervisor=403, leader=403, admin=403)
# Completeness: everyone signed in, over what they see (a person with no campaign: 404).
COMPLETENESS = expect(nobody=404, staff_b=200)

MATRIX = [
    Case("dossier-requirement", "list", "all", LIST),
    Case("dossier-requirement", "retrieve", "jia", SEE_JIA),
    Case("dossier-requirement", "retrieve", "yi", SEE_YI),
    Case("dossier-requirement", "create", "new", CREATE),
    Case("dossier-requirement", "partial_update", "jia", OFFICE),
    Case("dossier-requirement", "partial_update", "yi", OFFICE_YI),
    Case("dossier-requirement", "upload", "jia", UNIT),
    Case("dossier-material", "list", "all", LIST),
    Case("dossier-material", "retrieve", "jia", SEE_JIA),
    Case("dossier-material", "retrieve", "yi", SEE_YI),
    Case("dossier-material", "new_version", "jia", UNIT_VERSION),
    Case("dossier-material", "approve", "jia", OFFICE),
    Case("dossier-material", "approve", "yi", OFFICE_YI),
    Case("dossier-material", "return_material", "jia", OFFICE),
    Case("dossier-material", "file", "jia", SEE_JIA),
    Case("dossier-material", "file", "yi", SEE_YI),
    Case("dossier-completeness", "get", "all", COMPLETENESS),
]
MATRIX_ROUTES = {(c.basename, c.action) for c in MATRIX}
PATHS = {"upload": "upload", "new_version": "new-version", "approve": "approve", "return_material": "return"}
MULTIPART = {"upload", "new_version"}


@pytest.fixture
def world(campaign, units, people, dossier):
    jia = services.material_upload(
        actor=people.staff, requirement_id=dossier.jia.pk, file=pdf(), title="2025年会议纪要"
    )
    yi = services.material_upload(
        actor=people.staff_b, requirement_id=dossier.yi.pk, file=pdf(text="乙"), title="乙区制度"
    )
    return SimpleNamespace(
        campaign=campaign, units=units, people=people, dossier=dossier, jia=jia.material, yi=yi.material
    )


def _url(w, case):
    if case.basename == "dossier-completeness":
        return f"/api/v1/dossiers/completeness/?campaign={w.campaign.pk}"
    base = "/api/v1/dossier-requirements/" if case.basename == "dossier-requirement" else "/api/v1/dossier-materials/"
    if case.target in ("all", "new"):
        return base
    if case.basename == "dossier-requirement":
        obj = getattr(w.dossier, case.target)
    else:
        obj = getattr(w, case.target)
    if case.action == "file":
        return f"{base}{obj.pk}/files/{obj.current_version_id}/"
    if case.action in PATHS:
        return f"{base}{obj.pk}/{PATHS[case.action]}/"
    return f"{base}{obj.pk}/"


def _payload(w, action):
    return {
        "create": {
            "campaign": w.campaign.pk,
            "indicator": w.dossier.standard.committee.pk,
            "name": "爱卫会年度工作计划",
            "units": [w.units.street_a1.pk, w.units.gov_a.pk],
            "year_from": 2024,
            "year_to": 2025,
        },
        "partial_update": {"name": "爱卫会会议纪要（含签到表）"},
        "upload": {
            "file": pdf(name="计划.pdf", text="计划"),
            "title": "2025年工作计划",
            "document_number": "甲爱卫〔2025〕1号",
        },
        "new_version": {"file": pdf(name="纪要-修订.pdf", text="修订"), "note": "补签字页"},
        "approve": {"comment": "齐全"},
        "return_material": {"reason": "缺少签字页"},
    }.get(action)


def _media_files():
    root = settings.MEDIA_ROOT
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _everything():
    return [snapshot(m) for m in (Requirement, Material, MaterialVersion, DossierEvent, Notice)] + [_media_files()]


@pytest.mark.parametrize(("case", "role", "status"), parametrize(MATRIX))
def test_permission_matrix(world, case, role, status):
    method = METHODS.get(case.action, "get" if case.action in ("file", "get") else "post")
    payload = _payload(world, case.action)
    before = _everything()
    client = client_for(role, world.people)
    url = _url(world, case)
    if payload is None:
        response = getattr(client, method)(url)
    else:
        response = getattr(client, method)(url, payload, format="multipart" if case.action in MULTIPART else "json")

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
        visible = Requirement.objects.visible_to(user)
        model = Requirement if case.basename == "dossier-requirement" else Material
        expected = visible if model is Requirement else Material.objects.filter(requirement__in=visible)
        assert ids == set(expected.values_list("pk", flat=True))
        assert (len(ids) > 0) == (role != "nobody")
    elif case.action == "file":
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    elif case.action == "get":
        assert response.data["totals"]["total"] == Requirement.objects.visible_to(user).count()
    elif case.action == "create":
        created = Requirement.objects.get(pk=response.data["id"])
        assert (created.name, created.units.count(), created.created_by) == ("爱卫会年度工作计划", 2, user)
    elif case.action == "upload":
        assert [m["current_version"]["title"] for m in response.data["materials"]][-1] == "2025年工作计划"
        assert DossierEvent.objects.latest("id").actor == user
    elif case.action in ("new_version", "approve", "return_material"):
        event = DossierEvent.objects.latest("id")
        assert (event.actor, event.material_id) == (user, response.data["id"])
        expected = {"new_version": "pending", "approve": "approved", "return_material": "returned"}[case.action]
        assert response.data["status"] == expected


def test_every_route_is_in_the_matrix():
    from tests.api_matrix import router_actions

    mine = {k for k in router_actions() if k[0].startswith("dossier-")}
    assert mine and mine <= MATRIX_ROUTES


def test_a_leader_does_not_see_the_offices_own_materials(world, people, units):
    """The leader is listed under the 创建办, whose own 台账 material is the office's: a 404 for
    the leader (their 包保 is 甲区), listed for the office's supervisors."""
    own = services.requirement_create(
        actor=people.supervisor,
        campaign=world.campaign,
        indicator=world.dossier.standard.system,
        name="创建办工作台账",
        units=[units.office],
    )
    leader = client_for("leader", people)
    assert leader.get(f"/api/v1/dossier-requirements/{own.pk}/").status_code == 404
    assert own.pk not in {r["id"] for r in leader.get("/api/v1/dossier-requirements/").data["results"]}
    assert world.dossier.jia.pk in {r["id"] for r in leader.get("/api/v1/dossier-requirements/").data["results"]}
    assert client_for("supervisor", people).get(f"/api/v1/dossier-requirements/{own.pk}/").status_code == 200


def test_html_renamed_pdf_is_refused_by_the_api(world):
    client = client_for("staff", world.people)
    before = _everything()
    response = client.post(
        f"/api/v1/dossier-requirements/{world.dossier.jia.pk}/upload/",
        {"file": html_as_pdf(), "title": "通知"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.data["field"] == "file" and "不是允许的类型" in response.data["detail"]
    assert _everything() == before


def test_the_cycle_moves_the_completeness_figure(world):
    staff, office = client_for("staff", world.people), client_for("supervisor", world.people)
    url = f"/api/v1/dossiers/completeness/?campaign={world.campaign.pk}"

    def rate():
        return office.get(url).data["totals"]["rate"]

    assert rate() == 0.0  # two requirements, both pending
    second = staff.post(
        f"/api/v1/dossier-requirements/{world.dossier.jia.pk}/upload/",
        {"file": pdf(name="b.pdf", text="第二份"), "title": "2024年会议纪要"},
        format="multipart",
    )
    assert second.status_code == 201
    returned = office.post(f"/api/v1/dossier-materials/{world.jia.pk}/return/", {"reason": "缺签字页"}, format="json")
    assert returned.data["status"] == "returned" and returned.data["allowed_actions"] == []
    assert staff.get(f"/api/v1/dossier-materials/{world.jia.pk}/").data["allowed_actions"] == ["new_version"]
    again = staff.post(
        f"/api/v1/dossier-materials/{world.jia.pk}/new-version/",
        {"file": pdf(name="a2.pdf", text="签字页"), "note": "补签字页"},
        format="multipart",
    )
    assert [v["number"] for v in again.data["versions"]] == [2, 1]
    for material in Material.objects.filter(requirement=world.dossier.jia):
        assert office.post(f"/api/v1/dossier-materials/{material.pk}/approve/", {}, format="json").status_code == 200
    assert rate() == 50.0
    body = office.get(url).data
    assert [(r["code"], r["rate"]) for r in body["by_indicator"]] == [("1.1", 100.0), ("1.2", 0.0)]
    assert body["definition"]["label"] == "材料完成率"


def test_duplicate_upload_is_flagged_in_the_answer(world):
    response = client_for("head", world.people).post(
        f"/api/v1/dossier-requirements/{world.dossier.jia.pk}/upload/",
        {"file": pdf(), "title": "重复上传"},
        format="multipart",
    )
    newest = response.data["materials"][-1]["current_version"]
    assert newest["is_duplicate"] is True and newest["duplicate_of"] == world.jia.current_version_id


def test_list_query_budget(world, people, django_assert_max_num_queries):
    for n in range(15):
        services.material_upload(
            actor=people.staff, requirement_id=world.dossier.jia.pk, file=pdf(text=f"第{n}份"), title=f"材料{n}"
        )
    client = client_for("supervisor", people)
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/dossier-materials/")
    assert response.data["count"] == 17
    with django_assert_max_num_queries(14):
        assert client.get(f"/api/v1/dossier-requirements/{world.dossier.jia.pk}/").status_code == 200
