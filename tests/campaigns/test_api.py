"""The campaigns API (/api/v1/campaigns, standards, indicators): permission matrix, scoping,
filters, services' refusals and query budgets."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from chuangcheng.campaigns.models import Campaign, CampaignStatus, Indicator, Standard
from chuangcheng.campaigns.services import campaign_create
from chuangcheng.exceptions import ApplicationError
from tests.api_matrix import IN_JIA, IN_YI, LIST, METHODS, Case, admin_only, client_for, parametrize, snapshot
from tests.factories import CampaignFactory, IndicatorFactory, StandardFactory

MODELS = {"campaign": Campaign, "standard": Standard, "indicator": Indicator}
PREFIX = {"campaign": "campaigns", "standard": "standards", "indicator": "indicators"}
EVERYONE_SIGNED_IN = LIST  # standards and indicators are national reference texts

MATRIX = [
    Case("campaign", "list", "all", LIST),
    Case("campaign", "retrieve", "city", IN_JIA),  # 示范市: an ancestor of 甲区, so 甲区's people see it
    Case("campaign", "retrieve", "in_yi", IN_YI),
    Case("campaign", "create", "new", admin_only(201)),
    Case("campaign", "partial_update", "in_yi", admin_only(200)),
    Case("standard", "list", "all", LIST),
    Case("standard", "retrieve", "one", EVERYONE_SIGNED_IN),
    Case("standard", "create", "new", admin_only(201)),
    Case("indicator", "list", "all", LIST),
    Case("indicator", "retrieve", "one", EVERYONE_SIGNED_IN),
    Case("indicator", "create", "new", admin_only(201)),
    Case("indicator", "partial_update", "one", admin_only(200)),
]
MATRIX_ROUTES = {(c.basename, c.action) for c in MATRIX}


@pytest.fixture
def world(city, units, campaign, people):
    standard = StandardFactory(name="国家卫生城市标准", version="2021版", title="sanitary")
    top = IndicatorFactory(standard=standard, code="1", name="爱国卫生组织管理")
    return SimpleNamespace(
        city=city,
        units=units,
        people=people,
        campaign=campaign,
        campaign_yi=CampaignFactory(name="乙区百日攻坚", region=city.b, office_unit=units.gov_b),
        standard=standard,
        top=top,
        indicator=IndicatorFactory(standard=standard, code="1.1", parent=top, name="组织机构健全"),
    )


def _target(w, basename, target):
    return {
        ("campaign", "city"): w.campaign,
        ("campaign", "in_yi"): w.campaign_yi,
        ("standard", "one"): w.standard,
        ("indicator", "one"): w.indicator,
    }[(basename, target)]


def _payload(w, basename, action):
    today = timezone.localdate()
    if action == "create":
        return {
            "campaign": {
                "name": "创建全国文明城市",
                "titles": ["civilized", "sanitary"],
                "region": w.city.city.pk,
                "office_unit": w.units.office.pk,
                "start_date": str(today),
                "target_date": str(today + dt.timedelta(days=365)),
                "standards": [w.standard.pk],
            },
            "standard": {"name": "全国文明城市测评体系", "version": "2025版", "title": "civilized"},
            "indicator": {
                "standard": w.standard.pk,
                "code": "1.2",
                "parent": w.top.pk,
                "name": "健康教育",
                "max_score": "5.00",
                "method": "field",
                "negative_list": True,
            },
        }[basename]
    if action == "partial_update":
        return {"campaign": {"description": "迎检倒计时"}, "indicator": {"name": "组织机构健全有效"}}[basename]
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
    elif case.action == "retrieve" and status == 200:
        assert response.data["id"] == obj.pk


def _names(response):
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.data["results"]}


@pytest.mark.parametrize(
    ("role", "names"),
    [
        ("admin", {"百日会战", "乙区百日攻坚"}),
        ("supervisor", {"百日会战", "乙区百日攻坚"}),
        ("district_supervisor", {"百日会战"}),
        ("leader", {"百日会战"}),
        ("staff", {"百日会战"}),
        ("staff_b", {"百日会战", "乙区百日攻坚"}),
        ("nobody", set()),
    ],
)
def test_campaign_list_is_scoped(world, role, names):
    assert _names(client_for(role, world.people).get("/api/v1/campaigns/")) == names


def test_campaign_output(world):
    data = client_for("staff", world.people).get(f"/api/v1/campaigns/{world.campaign.pk}/").data
    today = timezone.localdate(timezone=ZoneInfo("Asia/Shanghai"))
    assert data["days_left"] == (world.campaign.target_date - today).days
    assert data["status_display"] == "进行中"
    assert data["title_labels"] == ["国家卫生城市"]
    assert data["region_name"] == "示范市"
    assert data["office_unit_name"] == "示范市创建办"


def test_campaign_filters(world):
    CampaignFactory(name="筹备中的活动", region=world.city.city, office_unit=world.units.office, status="planning")
    client = client_for("admin", world.people)
    assert _names(client.get("/api/v1/campaigns/", {"status": "planning"})) == {"筹备中的活动"}
    assert _names(client.get("/api/v1/campaigns/", {"status": "active"})) == {"百日会战", "乙区百日攻坚"}


# --- Refusals ------------------------------------------------------------------------------------


def _refused(response, field, model, before, status=400):
    assert response.status_code == status, response.content
    assert field in response.data, response.data
    assert snapshot(model) == before


def test_campaign_target_date_before_start(world):
    client = client_for("admin", world.people)
    before = snapshot(Campaign)
    payload = _payload(world, "campaign", "create") | {"start_date": "2026-05-01", "target_date": "2026-04-30"}
    response = client.post("/api/v1/campaigns/", payload, format="json")
    _refused(response, "target_date", Campaign, before)
    assert "不能早于开始日期" in response.data["detail"]
    response = client.patch(f"/api/v1/campaigns/{world.campaign.pk}/", {"target_date": "2000-01-01"}, format="json")
    _refused(response, "target_date", Campaign, before)


def test_campaign_bad_shapes(world):
    client = client_for("admin", world.people)
    before = snapshot(Campaign)
    payload = _payload(world, "campaign", "create")
    _refused(
        client.post("/api/v1/campaigns/", payload | {"titles": ["olympic"]}, format="json"), "titles", Campaign, before
    )
    _refused(client.post("/api/v1/campaigns/", payload | {"titles": []}, format="json"), "titles", Campaign, before)
    _refused(
        client.post("/api/v1/campaigns/", payload | {"start_date": "五月"}, format="json"),
        "start_date",
        Campaign,
        before,
    )
    _refused(client.post("/api/v1/campaigns/", payload | {"region": 999999}, format="json"), "region", Campaign, before)
    _refused(
        client.post("/api/v1/campaigns/", payload | {"status": "closed"}, format="json"), "status", Campaign, before
    )


def test_campaign_status_moves_forward_only(world):
    client = client_for("admin", world.people)
    before = snapshot(Campaign)
    response = client.patch(f"/api/v1/campaigns/{world.campaign.pk}/", {"status": "planning"}, format="json")
    _refused(response, "status", Campaign, before, status=409)
    response = client.patch(f"/api/v1/campaigns/{world.campaign.pk}/", {"status": "closed"}, format="json")
    assert response.status_code == 200
    assert response.data["status_display"] == "已结束"


def test_closed_campaign_is_read_only(world):
    Campaign.objects.filter(pk=world.campaign_yi.pk).update(status=CampaignStatus.CLOSED)
    before = snapshot(Campaign)
    response = client_for("admin", world.people).patch(
        f"/api/v1/campaigns/{world.campaign_yi.pk}/", {"name": "改名"}, format="json"
    )
    assert response.status_code == 409
    assert "已结束" in response.data["detail"]
    assert snapshot(Campaign) == before


def test_campaign_service_refuses_a_non_administrator(world):
    today = timezone.localdate(timezone=ZoneInfo("Asia/Shanghai"))
    with pytest.raises(ApplicationError) as refused:
        campaign_create(
            actor=world.people.supervisor,
            name="越权活动",
            titles=["garden"],
            region=world.city.a,
            office_unit=world.units.gov_a,
            start_date=today,
            target_date=today + dt.timedelta(days=365),  # a valid campaign: refused only for who asks
        )
    assert refused.value.code == "forbidden"
    assert not Campaign.objects.filter(name="越权活动").exists()


def test_standard_name_and_version_are_unique(world):
    before = snapshot(Standard)
    response = client_for("admin", world.people).post(
        "/api/v1/standards/", {"name": "国家卫生城市标准", "version": "2021版"}, format="json"
    )
    _refused(response, "name", Standard, before)


def test_indicator_refusals(world):
    client = client_for("admin", world.people)
    other = IndicatorFactory(standard=StandardFactory(name="另一体系"), code="1", name="别的指标")
    before = snapshot(Indicator)
    base = {"standard": world.standard.pk, "name": "新指标"}
    _refused(client.post("/api/v1/indicators/", base | {"code": "1.1"}, format="json"), "code", Indicator, before)
    wrong_tree = base | {"code": "1.9", "parent": other.pk}
    _refused(client.post("/api/v1/indicators/", wrong_tree, format="json"), "parent", Indicator, before)
    negative = base | {"code": "1.9", "max_score": "-1"}
    _refused(client.post("/api/v1/indicators/", negative, format="json"), "max_score", Indicator, before)
    bad_method = base | {"code": "1.9", "method": "guess"}
    _refused(client.post("/api/v1/indicators/", bad_method, format="json"), "method", Indicator, before)
    cycle = client.patch(f"/api/v1/indicators/{world.top.pk}/", {"parent": world.indicator.pk}, format="json")
    _refused(cycle, "parent", Indicator, before)


def test_indicator_code_orders_the_tree(world):
    client = client_for("admin", world.people)
    for code in ("1.9", "1.10", "1.2"):
        response = client.post(
            "/api/v1/indicators/", {"standard": world.standard.pk, "code": code, "name": f"指标{code}"}, format="json"
        )
        assert response.status_code == 201, response.content
    codes = [r["code"] for r in client.get("/api/v1/indicators/", {"standard": world.standard.pk}).data["results"]]
    assert codes == ["1", "1.1", "1.2", "1.9", "1.10"]
    moved = Indicator.objects.get(standard=world.standard, code="1.2")
    assert client.patch(f"/api/v1/indicators/{moved.pk}/", {"code": "1.11"}, format="json").status_code == 200
    codes = [r["code"] for r in client.get("/api/v1/indicators/", {"standard": world.standard.pk}).data["results"]]
    assert codes == ["1", "1.1", "1.9", "1.10", "1.11"]


def test_indicator_filters(world):
    client = client_for("staff", world.people)
    IndicatorFactory(
        standard=world.standard, code="1.2", parent=world.top, name="病媒防制", negative_list=True, method="field"
    )
    IndicatorFactory(standard=StandardFactory(name="另一体系"), code="9", name="别的指标")

    def names(**params):
        return _names(client.get("/api/v1/indicators/", params))

    assert names(standard=world.standard.pk) == {"爱国卫生组织管理", "组织机构健全", "病媒防制"}
    assert names(parent=world.top.pk) == {"组织机构健全", "病媒防制"}
    assert names(negative_list="true") == {"病媒防制"}
    assert names(method="field") == {"病媒防制"}
    assert names(is_top="true", standard=world.standard.pk) == {"爱国卫生组织管理"}


# --- Query budgets -------------------------------------------------------------------------------


def test_campaign_list_query_budget(world, django_assert_max_num_queries):
    standards = [StandardFactory() for _ in range(3)]
    for i in range(60):
        c = CampaignFactory(name=f"活动{i}", region=world.city.a, office_unit=world.units.gov_a)
        c.standards.set(standards)
    for role in ("admin", "district_supervisor", "leader"):
        with django_assert_max_num_queries(5):
            response = client_for(role, world.people).get("/api/v1/campaigns/", {"page_size": 100})
        assert len(response.data["results"]) >= 61
        assert all(len(r["standards"]) == 3 for r in response.data["results"] if r["name"].startswith("活动"))


def test_standard_list_query_budget(world, django_assert_max_num_queries):
    for i in range(60):
        IndicatorFactory(standard=StandardFactory(name=f"体系{i}"), code="1")
    with django_assert_max_num_queries(3):
        response = client_for("staff", world.people).get("/api/v1/standards/", {"page_size": 100})
    assert len(response.data["results"]) == 61
    assert {r["indicator_count"] for r in response.data["results"]} == {1, 2}


def test_indicator_list_query_budget(world, django_assert_max_num_queries):
    for i in range(60):
        IndicatorFactory(standard=world.standard, code=f"1.{i + 2}", parent=world.top, max_score=Decimal("2.5"))
    with django_assert_max_num_queries(3):
        response = client_for("staff", world.people).get("/api/v1/indicators/", {"page_size": 100})
    assert len(response.data["results"]) == 62
