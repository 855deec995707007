"""The org API (/api/v1/regions, units, sites, leader-assignments): permission matrix, scoping,
filters, services' refusals, query budgets; the token endpoint, schema and docs."""

import importlib
import re
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import LeaderAssignment, Region, RegionLevel, Site, SiteType, Unit
from chuangcheng.org.services import leader_assignment_create, unit_create
from tests.api_matrix import (
    IN_JIA,
    IN_YI,
    LIST,
    METHODS,
    Case,
    admin_only,
    client_for,
    parametrize,
    router_actions,
    snapshot,
)
from tests.factories import (
    CampaignFactory,
    MembershipFactory,
    RegionFactory,
    SiteFactory,
    UnitFactory,
    UserFactory,
)

MODELS = {"region": Region, "unit": Unit, "site": Site, "leader-assignment": LeaderAssignment}
PREFIX = {"region": "regions", "unit": "units", "site": "sites", "leader-assignment": "leader-assignments"}

MATRIX = [
    *(Case(b, "list", "all", LIST) for b in MODELS),
    *(Case(b, "retrieve", "in_jia", IN_JIA) for b in MODELS),
    *(Case(b, "retrieve", "in_yi", IN_YI) for b in MODELS),
    *(Case(b, "create", "new", admin_only(201)) for b in MODELS),
    *(Case(b, "partial_update", "in_yi", admin_only(200)) for b in ("region", "unit", "site")),
    Case("region", "destroy", "leaf", admin_only(204)),
    Case("unit", "destroy", "spare", admin_only(204)),
    Case("site", "destroy", "in_yi", admin_only(204)),
    Case("leader-assignment", "destroy", "in_yi", admin_only(204)),
]
MATRIX_ROUTES = {(c.basename, c.action) for c in MATRIX}


@pytest.fixture
def world(city, units, campaign, people):
    """The shared fixtures plus a site and a leader assignment on each side of the city."""
    site_a = SiteFactory(name="甲一农贸市场", region=city.a1, responsible_unit=units.street_a1)
    site_b = SiteFactory(name="乙一农贸市场", region=city.b1, responsible_unit=units.street_b1)
    leader_b = UserFactory(username="leader_b")
    MembershipFactory(user=leader_b, unit=units.office, role="leader")
    return SimpleNamespace(
        city=city,
        units=units,
        campaign=campaign,
        people=people,
        site_a=site_a,
        site_b=site_b,
        spare_unit=UnitFactory(name="乙区闲置单位", kind="territorial", level="district", region=city.b),
        assign_a1=LeaderAssignment.objects.create(campaign=campaign, unit=units.street_a1, region=city.a1),
        assign_b=LeaderAssignment.objects.create(campaign=campaign, leader=leader_b, region=city.b),
    )


def _target(w, basename, target):
    return {
        ("region", "in_jia"): w.city.a1,
        ("region", "in_yi"): w.city.b1,
        ("region", "leaf"): w.city.b1v,
        ("unit", "in_jia"): w.units.street_a1,
        ("unit", "in_yi"): w.units.street_b1,
        ("unit", "spare"): w.spare_unit,
        ("site", "in_jia"): w.site_a,
        ("site", "in_yi"): w.site_b,
        ("leader-assignment", "in_jia"): w.assign_a1,
        ("leader-assignment", "in_yi"): w.assign_b,
    }[(basename, target)]


def _payload(w, basename, action):
    if action == "create":
        return {
            "region": {"name": "甲三街道", "level": "town", "parent": w.city.a.pk, "code": "990101003"},
            "unit": {"name": "甲区城管执法局", "kind": "functional", "level": "district", "region": w.city.a.pk},
            "site": {
                "site_type": "school",
                "name": "甲一小学",
                "region": w.city.a1.pk,
                "responsible_unit": w.units.street_a1.pk,
                "latitude": "30.123456",
                "longitude": "120.654321",
            },
            "leader-assignment": {
                "campaign": w.campaign.pk,
                "leader": w.people.leader.pk,
                "region": w.city.a1.pk,
                "kind": "in_charge",
            },
        }[basename]
    if action == "partial_update":
        return {
            "region": {"name": "乙一街道（更名）"},
            "unit": {"short_name": "乙一"},
            "site": {"address": "乙一路 1 号"},
        }[basename]
    return None


@pytest.mark.parametrize(("case", "role", "status"), parametrize(MATRIX))
def test_permission_matrix(world, case, role, status):
    model = MODELS[case.basename]
    obj = None if case.target in ("all", "new") else _target(world, case.basename, case.target)
    url = f"/api/v1/{PREFIX[case.basename]}/" + (f"{obj.pk}/" if obj else "")
    payload = _payload(world, case.basename, case.action)
    before = snapshot(model)

    response = getattr(client_for(role, world.people), METHODS[case.action])(url, payload, format="json")

    assert response.status_code == status, response.content
    if case.is_write and status >= 400:
        assert snapshot(model) == before
    elif case.action == "create":
        assert model.objects.filter(pk=response.data["id"]).exists()
        assert all(response.data[k] == v for k, v in payload.items())
    elif case.action == "partial_update":
        obj.refresh_from_db()
        assert all(getattr(obj, k) == v for k, v in payload.items())
    elif case.action == "destroy":
        assert not model.objects.filter(pk=obj.pk).exists()
    elif case.action == "retrieve" and status == 200:
        assert response.data["id"] == obj.pk


def test_every_api_route_is_in_a_permission_matrix():
    """Each registered route action appears in the matrix of the app that owns the viewset
    (``chuangcheng.org.api.views`` → ``tests/org/test_api.py``; ``tasks.api`` → ``tests/tasks/…``)."""
    missing = []
    for (basename, action), viewset in sorted(router_actions().items()):
        app = viewset.__module__.removeprefix("chuangcheng.").split(".")[0]
        try:
            matrix_routes = importlib.import_module(f"tests.{app}.test_api").MATRIX_ROUTES
        except (ImportError, AttributeError):
            matrix_routes = set()
        if (basename, action) not in matrix_routes:
            missing.append(f"{basename}.{action} → tests/{app}/test_api.py MATRIX")
    assert not missing, missing
    assert ("region", "list") in router_actions()  # the walk itself finds routes


# --- Scoping -------------------------------------------------------------------------------------


def _names(response):
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.data["results"]}


@pytest.mark.parametrize(
    ("role", "names"),
    [
        ("admin", {"示范市", "甲区", "乙区", "甲一街道", "甲二街道", "乙一街道", "甲一社区", "乙一社区"}),
        ("supervisor", {"示范市", "甲区", "乙区", "甲一街道", "甲二街道", "乙一街道", "甲一社区", "乙一社区"}),
        ("district_supervisor", {"示范市", "甲区", "甲一街道", "甲二街道", "甲一社区"}),
        ("leader", {"示范市", "甲区", "甲一街道", "甲二街道", "甲一社区"}),
        ("staff", {"示范市", "甲区", "甲一街道", "甲一社区"}),
        ("nobody", set()),
    ],
)
def test_region_list_is_scoped(people, role, names):
    assert _names(client_for(role, people).get("/api/v1/regions/")) == names


def test_leader_sees_units_and_sites_of_the_assigned_district_only(world):
    client = client_for("leader", world.people)
    units = _names(client.get("/api/v1/units/"))
    assert {"甲区人民政府", "甲一街道办事处"} <= units
    assert not units & {"乙区人民政府", "乙一街道办事处", "乙区闲置单位"}
    assert _names(client.get("/api/v1/sites/")) == {"甲一农贸市场"}


def test_a_new_assignment_widens_the_leaders_view(world):
    admin = client_for("admin", world.people)
    response = admin.post(
        "/api/v1/leader-assignments/",
        {"campaign": world.campaign.pk, "leader": world.people.leader.pk, "region": world.city.b.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.data["kind_display"] == "包保领导"
    leader = type(world.people.leader).objects.get(pk=world.people.leader.pk)  # no cached scope
    client = APIClient()
    client.force_authenticate(leader)
    assert "乙一社区" in _names(client.get("/api/v1/regions/"))


def test_region_output_has_labels_path_and_full_name(people, city):
    client = client_for("district_supervisor", people)
    rows = {r["name"]: r for r in client.get("/api/v1/regions/").data["results"]}
    village = rows["甲一社区"]
    assert village["full_name"] == "示范市甲区甲一街道甲一社区"
    assert village["level_display"] == "社区村"
    assert village["parent"] == city.a1.pk
    assert village["path"] == city.a1v.path
    assert village["depth"] == 4
    detail = client.get(f"/api/v1/regions/{city.a1v.pk}/").data
    assert detail["full_name"] == "示范市甲区甲一街道甲一社区"


# --- Filters -------------------------------------------------------------------------------------


def test_region_filters(people, city):
    client = client_for("admin", people)
    assert _names(client.get("/api/v1/regions/", {"within": city.a.pk})) == {"甲区", "甲一街道", "甲二街道", "甲一社区"}
    assert _names(client.get("/api/v1/regions/", {"level": "county"})) == {"甲区", "乙区"}
    assert _names(client.get("/api/v1/regions/", {"parent": city.a.pk})) == {"甲一街道", "甲二街道"}
    assert _names(client.get("/api/v1/regions/", {"code": "990102001"})) == {"乙一街道"}
    assert _names(client.get("/api/v1/regions/", {"name": "一社"})) == {"甲一社区", "乙一社区"}
    assert _names(client.get("/api/v1/regions/", {"within": 999999})) == set()


def test_within_never_reaches_outside_the_scope(people, city):
    client = client_for("district_supervisor", people)
    assert _names(client.get("/api/v1/regions/", {"within": city.b.pk})) == set()


def test_unit_site_and_assignment_filters(world):
    client = client_for("admin", world.people)
    city, units = world.city, world.units
    assert _names(client.get("/api/v1/units/", {"region": city.a.pk})) == {"甲区人民政府", "甲一街道办事处"}
    assert _names(client.get("/api/v1/units/", {"kind": "functional"})) == {"示范市创建办", "示范市城管局"}
    assert _names(client.get("/api/v1/units/", {"level": "street"})) == {"甲一街道办事处", "乙一街道办事处"}
    assert _names(client.get("/api/v1/units/", {"name": "城管"})) == {"示范市城管局"}
    SiteFactory(name="乙区公厕", site_type=SiteType.TOILET, region=city.b, responsible_unit=units.gov_b)
    assert _names(client.get("/api/v1/sites/", {"site_type": "toilet"})) == {"乙区公厕"}
    assert _names(client.get("/api/v1/sites/", {"region": city.b.pk})) == {"乙一农贸市场", "乙区公厕"}
    assert _names(client.get("/api/v1/sites/", {"responsible_unit": units.street_a1.pk})) == {"甲一农贸市场"}
    rows = client.get("/api/v1/leader-assignments/", {"region": city.a.pk}).data["results"]
    assert {r["region_name"] for r in rows} == {"甲区", "甲一街道"}


def test_updates_are_patch_only(people, city):
    before = snapshot(Region)
    response = client_for("admin", people).put(f"/api/v1/regions/{city.b1.pk}/", {"name": "整体替换"}, format="json")
    assert response.status_code == 405
    assert snapshot(Region) == before


def test_filter_rejects_a_malformed_id(people):
    response = client_for("admin", people).get("/api/v1/regions/", {"within": "abc"})
    assert response.status_code == 400
    assert "within" in response.data


# --- Writes: services' refusals -----------------------------------------------------------------


def _refused(response, field, model, before, status=400):
    assert response.status_code == status, response.content
    assert field in response.data, response.data
    assert snapshot(model) == before


def test_region_create_with_a_level_not_below_its_parent(people, city):
    before = snapshot(Region)
    response = client_for("admin", people).post(
        "/api/v1/regions/", {"name": "错层区", "level": "county", "parent": city.a1.pk}, format="json"
    )
    _refused(response, "parent", Region, before)
    assert "不能作为" in response.data["detail"]


def test_region_create_with_a_used_code(people, city):
    before = snapshot(Region)
    response = client_for("admin", people).post(
        "/api/v1/regions/", {"name": "重复", "level": "town", "parent": city.a.pk, "code": "990101001"}, format="json"
    )
    _refused(response, "code", Region, before)


def test_region_create_sets_the_materialized_path(people, city):
    response = client_for("admin", people).post(
        "/api/v1/regions/", {"name": "甲三街道", "level": "town", "parent": city.a.pk}, format="json"
    )
    assert response.status_code == 201
    region = Region.objects.get(pk=response.data["id"])
    assert region.path == f"{city.a.path}{region.pk}/"
    assert response.data["full_name"] == "示范市甲区甲三街道"


def test_region_move_rewrites_the_subtree_paths(people, city):
    response = client_for("admin", people).patch(f"/api/v1/regions/{city.b1.pk}/", {"parent": city.a.pk}, format="json")
    assert response.status_code == 200, response.content
    city.b1v.refresh_from_db()
    assert city.b1v.path == f"{city.a.path}{city.b1.pk}/{city.b1v.pk}/"
    assert response.data["full_name"] == "示范市甲区乙一街道"


def test_region_cannot_move_under_its_own_descendant(people, city):
    before = snapshot(Region)
    response = client_for("admin", people).patch(f"/api/v1/regions/{city.a.pk}/", {"parent": city.a1.pk}, format="json")
    _refused(response, "parent", Region, before)


def test_region_level_cannot_pass_its_children(people, city):
    before = snapshot(Region)
    response = client_for("admin", people).patch(f"/api/v1/regions/{city.a.pk}/", {"level": "village"}, format="json")
    _refused(response, "level", Region, before)


def test_deleting_a_region_with_children_is_a_conflict(people, city):
    before = snapshot(Region)
    response = client_for("admin", people).delete(f"/api/v1/regions/{city.a1.pk}/")
    assert response.status_code == 409, response.content
    assert response.data["detail"] == (
        "“甲一街道”仍被其他数据引用（单位 1 条、行政区划 1 条），不能删除。请先删除或移走其下级区划及相关数据。"
    )
    assert response.data["referenced_by"] == ["单位", "行政区划"]
    assert snapshot(Region) == before


def test_deleting_a_region_with_leader_assignments_is_a_conflict(people, city, units, campaign):
    grid = RegionFactory(
        name="甲二网格", level=RegionLevel.GRID, parent=city.a2
    )  # a leaf: only the assignment holds it
    LeaderAssignment.objects.create(campaign=campaign, unit=units.gov_a, region=grid)
    before = snapshot(LeaderAssignment), snapshot(Region)
    response = client_for("admin", people).delete(f"/api/v1/regions/{grid.pk}/")
    assert response.status_code == 409, response.content
    assert response.data["referenced_by"] == ["领导包保"]
    assert (snapshot(LeaderAssignment), snapshot(Region)) == before


def test_deleting_a_unit_with_members_is_a_conflict(people, units):
    before = snapshot(Unit)
    response = client_for("admin", people).delete(f"/api/v1/units/{units.street_b1.pk}/")
    assert response.status_code == 409, response.content
    assert "任职" in response.data["referenced_by"]
    assert "停用" in response.data["detail"]
    assert snapshot(Unit) == before


def test_unit_create_refusals(people, city, units):
    client = client_for("admin", people)
    before = snapshot(Unit)
    duplicate = {"name": "甲区人民政府", "kind": "territorial", "level": "district", "region": city.a.pk}
    _refused(client.post("/api/v1/units/", duplicate, format="json"), "name", Unit, before)
    no_region = {"name": "新单位", "kind": "functional", "level": "city", "region": 999999}
    _refused(client.post("/api/v1/units/", no_region, format="json"), "region", Unit, before)
    bad_kind = {"name": "新单位", "kind": "bureau", "level": "city", "region": city.city.pk}
    _refused(client.post("/api/v1/units/", bad_kind, format="json"), "kind", Unit, before)


def test_unit_cannot_become_its_own_ancestor(people, units):
    before = snapshot(Unit)
    response = client_for("admin", people).patch(
        f"/api/v1/units/{units.gov_a.pk}/", {"parent": units.street_a1.pk}, format="json"
    )
    _refused(response, "parent", Unit, before)


def test_site_coordinates_come_in_pairs(world):
    before = snapshot(Site)
    payload = {
        "site_type": "park",
        "name": "甲区广场",
        "region": world.city.a.pk,
        "responsible_unit": world.units.gov_a.pk,
        "latitude": "30.1",
    }
    _refused(
        client_for("admin", world.people).post("/api/v1/sites/", payload, format="json"), "longitude", Site, before
    )
    payload.update(latitude="91", longitude="120")
    _refused(client_for("admin", world.people).post("/api/v1/sites/", payload, format="json"), "latitude", Site, before)


def test_leader_assignment_refusals(world):
    client = client_for("admin", world.people)
    before = snapshot(LeaderAssignment)
    base = {"campaign": world.campaign.pk, "region": world.city.a2.pk}
    not_a_leader = {**base, "leader": world.people.staff.pk}
    _refused(
        client.post("/api/v1/leader-assignments/", not_a_leader, format="json"), "leader", LeaderAssignment, before
    )
    both = {**base, "leader": world.people.leader.pk, "unit": world.units.gov_a.pk}
    _refused(client.post("/api/v1/leader-assignments/", both, format="json"), "leader", LeaderAssignment, before)
    twice = {"campaign": world.campaign.pk, "region": world.city.a.pk, "leader": world.people.leader.pk}
    _refused(client.post("/api/v1/leader-assignments/", twice, format="json"), "region", LeaderAssignment, before)


def test_leader_assignment_outside_the_campaign_territory(world):
    jia_campaign = CampaignFactory(name="甲区会战", region=world.city.a, office_unit=world.units.gov_a)
    before = snapshot(LeaderAssignment)
    payload = {"campaign": jia_campaign.pk, "leader": world.people.leader.pk, "region": world.city.b1.pk}
    response = client_for("admin", world.people).post("/api/v1/leader-assignments/", payload, format="json")
    _refused(response, "region", LeaderAssignment, before)


def test_services_refuse_a_person_who_is_not_an_administrator(world):
    with pytest.raises(ApplicationError) as refused:
        unit_create(
            actor=world.people.supervisor, name="越权单位", kind="functional", level="city", region=world.city.city
        )
    assert refused.value.code == "forbidden"
    with pytest.raises(ApplicationError):
        leader_assignment_create(
            actor=world.people.district_supervisor,
            campaign=world.campaign,
            kind="baobao",
            unit=world.units.gov_a,
            region=world.city.a,
        )
    assert not Unit.objects.filter(name="越权单位").exists()


# --- Query budgets: a list costs the same whatever its length -------------------------------------


def test_region_list_query_budget(people, city, django_assert_max_num_queries):
    for i in range(60):
        RegionFactory(name=f"甲一网格{i}", level=RegionLevel.GRID, parent=city.a1v)
    for role in ("admin", "district_supervisor", "staff"):
        client = client_for(role, people)
        with django_assert_max_num_queries(5):
            response = client.get("/api/v1/regions/", {"page_size": 100})
        assert len(response.data["results"]) >= 64
    assert response.data["results"][-1]["full_name"].startswith("示范市甲区甲一街道甲一社区甲一网格")
    default_page = client.get("/api/v1/regions/").data
    assert (len(default_page["results"]), default_page["count"]) == (50, 64)
    assert default_page["next"]


def test_unit_list_query_budget(people, city, units, django_assert_max_num_queries):
    for i in range(60):
        UnitFactory(
            name=f"甲一社区居委会{i}", kind="territorial", level="community", region=city.a1v, parent=units.street_a1
        )
    for role in ("admin", "district_supervisor"):
        client = client_for(role, people)
        with django_assert_max_num_queries(4):
            response = client.get("/api/v1/units/", {"page_size": 100})
        assert len(response.data["results"]) >= 62


def test_site_list_query_budget(people, city, units, django_assert_max_num_queries):
    for i in range(60):
        SiteFactory(
            name=f"背街小巷{i}", site_type=SiteType.BACK_STREET, region=city.a1v, responsible_unit=units.street_a1
        )
    for role in ("admin", "district_supervisor", "leader"):
        client = client_for(role, people)
        with django_assert_max_num_queries(5):
            response = client.get("/api/v1/sites/", {"page_size": 100})
        assert len(response.data["results"]) == 60


def test_leader_assignment_list_query_budget(world, django_assert_max_num_queries):
    for i in range(60):
        site = SiteFactory(name=f"点位{i}", region=world.city.a1, responsible_unit=world.units.street_a1)
        LeaderAssignment.objects.create(campaign=world.campaign, unit=world.units.gov_a, site=site)
    for role in ("admin", "district_supervisor"):
        client = client_for(role, world.people)
        with django_assert_max_num_queries(5):
            response = client.get("/api/v1/leader-assignments/", {"page_size": 100})
        assert len(response.data["results"]) >= 62


# --- Token, schema and docs ------------------------------------------------------------------------


def test_token_endpoint_returns_a_token_that_authenticates(people):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "supervisor", "password": "pass-Word-123"})
    assert response.status_code == 200, response.content
    token = response.data["token"]
    assert Token.objects.get(key=token).user == people.supervisor
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert "乙一社区" in _names(client.get("/api/v1/regions/"))


def test_token_endpoint_refuses_a_wrong_password(people):
    response = APIClient().post("/api/v1/auth/token/", {"username": "supervisor", "password": "wrong"})
    assert response.status_code == 400
    assert not Token.objects.exists()
    unauthenticated = APIClient()
    unauthenticated.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = unauthenticated.get("/api/v1/regions/")
    # 403, not 401: session authentication is listed first, and it sends no WWW-Authenticate.
    assert response.status_code == 403
    assert response.data["detail"].code == "authentication_failed"


def test_schema_is_served(db):
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/regions/{id}/" in paths
    assert "put" not in paths["/api/v1/regions/{id}/"]
    assert "within" in {p["name"] for p in paths["/api/v1/regions/"]["get"]["parameters"]}
    assert paths["/api/v1/units/"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "UnitCreateRequest"
    )


def test_schema_validates_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/leader-assignments/" in (tmp_path / "schema.yml").read_text()


def test_docs_load_only_same_origin_assets_and_no_inline_script(db):
    client = APIClient()
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert len(scripts) == 3
    assert all(not body.strip() for _attrs, body in scripts), "inline script would be blocked by the CSP"
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _body in scripts]
    sources += re.findall(r'<link[^>]+href="([^"]+)"', html)
    for src in sources:
        assert src.startswith("/static/") or src.startswith("/api/v1/docs/"), src
        if src.startswith("/static/"):
            assert finders.find(src.removeprefix("/static/")), src
    init = client.get(next(s for s in sources if s.startswith("/api/v1/docs/")).replace("&amp;", "&"))
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in init.content.decode()


def test_schema_needs_a_sign_in_unless_public(settings, people):
    settings.API_SCHEMA_PUBLIC = False
    accept = {"HTTP_ACCEPT": "application/vnd.oai.openapi+json"}
    assert APIClient().get("/api/v1/schema/", **accept).status_code in (401, 403)
    assert APIClient().get("/api/v1/docs/").status_code in (401, 403)
    signed_in = APIClient()
    signed_in.force_authenticate(people.staff)
    assert signed_in.get("/api/v1/schema/", **accept).status_code == 200
    settings.API_SCHEMA_PUBLIC = True
    assert APIClient().get("/api/v1/schema/", **accept).status_code == 200
