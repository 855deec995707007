"""The admin as a system administrator uses it: every list and form opens with data on it, the
region tree's paths stay right through adds and moves, autocomplete answers, lists stay cheap."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse

from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.org.models import CalendarOverride, Region, RegionLevel, SiteType
from tests.factories import IndicatorFactory, RegionFactory, SiteFactory, StandardFactory, UserFactory


@pytest.fixture
def root_client(client, db):
    root = UserFactory(username="root", display_name="超级管理员", is_staff=True, is_superuser=True)
    client.force_login(root)  # django-axes is active: client.login() would need a request
    return client


@pytest.fixture
def data(city, units, campaign, people):
    standard = StandardFactory(name="全国文明城市测评体系", version="2026")
    campaign.standards.add(standard)
    item = IndicatorFactory(standard=standard, code="1", name="公共秩序")
    IndicatorFactory(standard=standard, code="1.1", name="交通秩序良好", parent=item)
    site = SiteFactory(
        name="甲一农贸市场", site_type=SiteType.MARKET, region=city.a1v, responsible_unit=units.street_a1
    )
    CalendarOverride.objects.create(date=dt.date(2031, 10, 11), is_workday=True, note="国庆调休上班")
    return SimpleNamespace(city=city, units=units, campaign=campaign, people=people, standard=standard, site=site)


# (app, model, text that must be on the changelist)
MODELS = [
    ("org", "user", "staff_a1"),
    ("org", "membership", "甲一街道办事处"),
    ("org", "region", "甲一社区"),
    ("org", "unit", "示范市城管局"),
    ("org", "site", "甲一农贸市场"),
    ("org", "leaderassignment", "百日会战"),
    ("org", "calendaroverride", "国庆调休上班"),
    ("campaigns", "campaign", "百日会战"),
    ("campaigns", "standard", "全国文明城市测评体系"),
    ("campaigns", "indicator", "交通秩序良好"),
]


@pytest.mark.parametrize(("app", "model", "text"), MODELS)
def test_changelist_shows_the_data(root_client, data, app, model, text):
    response = root_client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert response.status_code == 200
    assert text in response.content.decode()


@pytest.mark.parametrize(("app", "model", "text"), MODELS)
def test_add_and_change_pages_open(root_client, data, app, model, text):
    assert root_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 200
    from django.apps import apps

    obj = apps.get_model(app, model).objects.order_by("pk").last()
    response = root_client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk]))
    assert response.status_code == 200


def test_labels_are_chinese(root_client, data):
    page = root_client.get(reverse("admin:org_region_add")).content.decode()
    for label in ("名称", "区划代码", "层级", "上级区划", "区域类别"):
        assert label in page
    assert "增加 行政区划" in page


def test_region_list_is_a_tree(root_client, data):
    city = data.city
    page = root_client.get(reverse("admin:org_region_changelist")).content.decode()
    # Tree order: the city, then 甲区 and its subtree, then 乙区.
    order = [page.index(n) for n in ("示范市", "甲区", "甲一街道", "甲一社区", "甲二街道", "乙区", "乙一街道")]
    assert order == sorted(order)
    assert "示范市 › 甲区 › 甲一街道" in page  # the ancestor chain of 甲一社区
    assert f"?parent__id__exact={city.a.pk}" in page
    assert "下级区划（2）" in page  # 甲区 has two streets


def test_children_link_lists_only_the_children(root_client, data):
    city = data.city
    response = root_client.get(reverse("admin:org_region_changelist"), {"parent__id__exact": city.a.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "“示范市甲区”的下级区划" in page
    assert "甲一街道" in page and "甲二街道" in page
    assert "乙一街道" not in page and "甲一社区" not in page


def test_add_region_under_a_parent_sets_its_path(root_client, data):
    parent = data.city.a1
    response = root_client.post(
        reverse("admin:org_region_add"),
        {"name": "甲一新社区", "code": "990101001009", "level": "village", "parent": parent.pk, "area_class": "A"},
    )
    assert response.status_code == 302, response.content.decode()
    region = Region.objects.get(name="甲一新社区")
    assert region.path == f"{parent.path}{region.pk}/"
    assert region.path.startswith("/")
    assert (region.code, region.area_class, region.parent) == ("990101001009", "A", parent)


def test_add_root_region(root_client, db):
    response = root_client.post(
        reverse("admin:org_region_add"), {"name": "新市", "code": "", "level": "city", "area_class": "B"}
    )
    assert response.status_code == 302
    region = Region.objects.get(name="新市")
    assert region.path == f"/{region.pk}/"
    assert region.code is None


def test_add_region_with_a_level_above_its_parent_is_refused(root_client, data):
    response = root_client.post(
        reverse("admin:org_region_add"),
        {"name": "错层区", "level": "county", "parent": data.city.a1.pk, "area_class": "B"},
    )
    assert response.status_code == 200
    assert "下级区划的层级必须低于上级区划" in response.content.decode()
    assert not Region.objects.filter(name="错层区").exists()


def _change_region(client, region, **changes):
    data = {"name": region.name, "code": region.code or "", "parent": region.parent_id or "", "area_class": "B"}
    data.update(changes)
    return client.post(reverse("admin:org_region_change", args=[region.pk]), data)


def test_moving_a_region_rewrites_its_subtree(root_client, data):
    city = data.city
    response = _change_region(root_client, city.a1, parent=city.b.pk, name="甲一街道（划转）")
    assert response.status_code == 302, response.content.decode()
    a1, a1v, a2 = (Region.objects.get(pk=r.pk) for r in (city.a1, city.a1v, city.a2))
    assert a1.parent == city.b
    assert a1.name == "甲一街道（划转）"
    assert a1.path == f"{city.b.path}{a1.pk}/"
    assert a1v.path == f"{city.b.path}{a1.pk}/{a1v.pk}/"
    assert a2.path == f"{city.a.path}{a2.pk}/"  # the sibling stays
    assert set(Region.objects.subtree(city.b).values_list("name", flat=True)) == {
        "乙区",
        "乙一街道",
        "乙一社区",
        "甲一街道（划转）",
        "甲一社区",
    }


def test_renaming_a_region_keeps_paths(root_client, data):
    city = data.city
    response = _change_region(root_client, city.a, name="甲区（新）", area_class="A")
    assert response.status_code == 302
    a = Region.objects.get(pk=city.a.pk)
    assert (a.name, a.area_class, a.path) == ("甲区（新）", "A", city.a.path)


def test_moving_a_region_under_its_own_subtree_is_refused(root_client, data):
    city = data.city
    response = _change_region(root_client, city.city, parent=city.a1v.pk)
    assert response.status_code == 200
    assert "会形成循环" in response.content.decode()
    assert Region.objects.get(pk=city.city.pk).parent_id is None


def test_region_autocomplete(root_client, data):
    response = root_client.get(
        "/admin/autocomplete/", {"app_label": "org", "model_name": "unit", "field_name": "region", "term": "甲一"}
    )
    assert response.status_code == 200
    names = [r["text"] for r in response.json()["results"]]
    assert names == ["甲一街道", "甲一社区"]


def test_region_autocomplete_by_code_prefix(root_client, data):
    response = root_client.get(
        "/admin/autocomplete/",
        {"app_label": "org", "model_name": "site", "field_name": "region", "term": "990102"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["乙区", "乙一街道", "乙一社区"]


def test_region_changelist_query_count_is_bounded(root_client, django_assert_max_num_queries, db):
    city = RegionFactory(name="大市", level=RegionLevel.CITY)
    for d in range(4):
        county = RegionFactory(name=f"区{d}", level=RegionLevel.COUNTY, parent=city)
        for t in range(5):
            town = RegionFactory(name=f"街道{d}-{t}", level=RegionLevel.TOWN, parent=county)
            for v in range(5):
                RegionFactory(name=f"社区{d}-{t}-{v}", level=RegionLevel.VILLAGE, parent=town)
    assert Region.objects.count() > 120
    with django_assert_max_num_queries(10):
        response = root_client.get(reverse("admin:org_region_changelist"))
    page = response.content.decode()
    assert page.count('class="action-select"') == 100  # one full page, every row annotated
    assert "大市 › 区0 › 街道0-0" in page


def test_indicator_save_sets_sort_key(root_client, data):
    response = root_client.post(
        reverse("admin:campaigns_indicator_add"),
        {"standard": data.standard.pk, "code": "1.10", "name": "公益广告", "parent": "", "method": "field"},
    )
    assert response.status_code == 302, response.content.decode()
    assert Indicator.objects.get(code="1.10").sort_key == "0001.0010"


def test_indicator_parent_from_another_standard_is_refused(root_client, data):
    other = IndicatorFactory(code="9", name="别的体系的指标")
    response = root_client.post(
        reverse("admin:campaigns_indicator_add"),
        {"standard": data.standard.pk, "code": "2", "name": "新指标", "parent": other.pk},
    )
    assert response.status_code == 200
    assert "上级指标必须属于同一测评体系" in response.content.decode()


def test_campaign_add_with_titles_and_standards(root_client, data):
    response = root_client.post(
        reverse("admin:campaigns_campaign_add"),
        {
            "name": "三城联创",
            "titles": ["civilized", "sanitary"],
            "region": data.city.city.pk,
            "office_unit": data.units.office.pk,
            "start_date": "2031-01-01",
            "target_date": "2031-12-31",
            "status": "planning",
            "standards": [data.standard.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()
    campaign = Campaign.objects.get(name="三城联创")
    assert campaign.titles == ["civilized", "sanitary"]
    assert list(campaign.standards.all()) == [data.standard]
    page = root_client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert "全国文明城市、国家卫生城市" in page


def test_leader_assignment_needs_leader_or_unit(root_client, data):
    response = root_client.post(
        reverse("admin:org_leaderassignment_add"),
        {"campaign": data.campaign.pk, "region": data.city.b.pk, "kind": "baobao"},
    )
    assert response.status_code == 200
    assert "请填写领导或包保单位（二选一）" in response.content.decode()


def test_long_foreign_keys_never_render_a_full_select(root_client, data):
    """Every long FK is an autocomplete (or an id box): a page never lists thousands of options."""
    pages = [
        ("org", "unit"),
        ("org", "membership"),
        ("org", "site"),
        ("org", "leaderassignment"),
        ("org", "region"),
        ("campaigns", "campaign"),
        ("campaigns", "indicator"),
    ]
    for app, model in pages:
        page = root_client.get(reverse(f"admin:{app}_{model}_add")).content.decode()
        assert "甲一社区</option>" not in page, f"{app}.{model} lists every region"
        assert "甲一街道办事处</option>" not in page, f"{app}.{model} lists every unit"
    page = root_client.get(reverse("admin:org_leaderassignment_add")).content.decode()
    assert 'class="admin-autocomplete' in page
    page = root_client.get(reverse("admin:tasks_taskleader_add")).content.decode()
    assert '<input type="text" name="task"' in page  # an id box until tasks have an admin
