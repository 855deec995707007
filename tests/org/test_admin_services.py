"""The admin goes through the services: a region, unit or site with leader assignments is not
deleted (single page or bulk action) and the assignments remain; a closed campaign cannot be
reopened, a campaign needs its titles and an active office unit — each refusal in Chinese, with
nothing written; a valid edit still saves."""

import pytest
from django.urls import reverse

from chuangcheng.campaigns.models import Campaign, CampaignStatus
from chuangcheng.org.models import LeaderAssignment, Region, Site, Unit
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client, db):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_deleting_what_a_leader_is_assigned_to_is_refused(client, root, people, campaign, city, units):
    site = SiteFactory(name="人民公园", region=city.a1, responsible_unit=units.street_a1)
    # 甲区 is the leader's 包保 district (conftest); 甲一街道办 is the 包保 unit of the park.
    LeaderAssignment.objects.create(campaign=campaign, unit=units.street_a1, site=site, kind="baobao")
    before = LeaderAssignment.objects.count()
    for name, obj in (("region", city.a), ("unit", units.street_a1), ("site", site)):
        url = reverse(f"admin:org_{name}_delete", args=[obj.pk])
        response = client.post(url, {"post": "yes"}, follow=True)
        assert "仍有领导包保关系，不能删除" in response.content.decode(), name
        assert type(obj).objects.filter(pk=obj.pk).exists()
    response = client.post(
        reverse("admin:org_unit_changelist"),
        {"action": "delete_selected", "_selected_action": [units.street_a1.pk, units.street_b1.pk]},
        follow=True,
    )
    assert "未删除任何一项" in response.content.decode()
    assert Unit.objects.filter(pk__in=[units.street_a1.pk, units.street_b1.pk]).count() == 2
    assert LeaderAssignment.objects.count() == before


def test_a_free_site_is_deleted_through_the_service(client, root, city, units):
    site = SiteFactory(name="无人包保的点位", region=city.a1, responsible_unit=units.street_a1)
    response = client.post(reverse("admin:org_site_delete", args=[site.pk]), {"post": "yes"}, follow=True)
    assert "已删除" in response.content.decode() and not Site.objects.filter(pk=site.pk).exists()
    assert Region.objects.filter(pk=city.a1.pk).exists()


def _campaign_form(c, **changes):
    data = {
        "name": c.name,
        "titles": c.titles,
        "region": c.region_id,
        "office_unit": c.office_unit_id,
        "start_date": c.start_date.isoformat(),
        "target_date": c.target_date.isoformat(),
        "status": c.status,
        "standards": [s.pk for s in c.standards.all()],
        "description": c.description,
    }
    return {**data, **changes}


def test_campaign_rules_hold_in_the_admin(client, root, campaign, units):
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    campaign.titles = campaign.titles or ["civilized"]
    campaign.save()
    page = client.post(url, _campaign_form(campaign, titles=[])).content.decode()
    assert "请至少选择一个创建称号" in page
    units.cgj.is_active = False
    units.cgj.save()
    page = client.post(url, _campaign_form(campaign, office_unit=units.cgj.pk)).content.decode()
    assert "已停用" in page
    assert Campaign.objects.get(pk=campaign.pk).office_unit_id == units.office.pk

    assert client.post(url, _campaign_form(campaign, name="百日会战（第二阶段）")).status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).name == "百日会战（第二阶段）"

    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CLOSED)
    campaign.refresh_from_db()
    page = client.post(url, _campaign_form(campaign, status=CampaignStatus.ACTIVE)).content.decode()
    assert "已结束，不能再修改" in page
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.CLOSED
