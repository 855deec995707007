"""visible_to(user): one rule for every list, checked model by model."""

import pytest

from chuangcheng.campaigns.models import Campaign
from chuangcheng.org.models import Membership, Region, Site, Unit
from chuangcheng.org.scoping import scope_for
from tests.factories import MembershipFactory, SiteFactory

pytestmark = pytest.mark.django_db


def names(qs):
    return set(qs.values_list("name", flat=True))


def test_admin_sees_everything(people, city):
    assert Region.objects.visible_to(people.admin).count() == Region.objects.count()
    assert Unit.objects.visible_to(people.admin).count() == Unit.objects.count()


def test_city_supervisor_sees_the_whole_city(people):
    assert Region.objects.visible_to(people.supervisor).count() == Region.objects.count()


def test_district_supervisor_sees_district_subtree_and_ancestors_only(people, city):
    visible = names(Region.objects.visible_to(people.district_supervisor))
    assert {"甲区", "甲一街道", "甲二街道", "甲一社区", "示范市"} <= visible
    assert not visible & {"乙区", "乙一街道", "乙一社区"}
    units = names(Unit.objects.visible_to(people.district_supervisor))
    assert "甲一街道办事处" in units and "示范市城管局" in units  # city departments sit above
    assert "乙一街道办事处" not in units


def test_leader_sees_assigned_district(people, city):
    visible = names(Region.objects.visible_to(people.leader))
    assert "甲一社区" in visible and "乙区" not in visible


def test_a_leader_membership_makes_no_one_of_the_units_people(people, units, city):
    """The leader is listed under the 创建办: their scope is their 包保, not the office's work."""
    scope = scope_for(people.leader)
    assert units.office.pk not in scope.unit_ids
    assert scope.leader_region_paths == (city.a.path,)
    assert units.office.pk in scope_for(people.supervisor).unit_ids  # the office's supervisors work there
    MembershipFactory(user=people.leader, unit=units.street_b1, role="staff")
    people.leader._scope_cache = None
    scope = scope_for(people.leader)
    assert scope.unit_ids == {units.street_b1.pk}  # a staff membership still counts
    assert scope.leader_region_paths == (city.a.path,)  # and gives no 包保


def test_staff_see_their_unit_and_its_region(people, units, city):
    visible = names(Region.objects.visible_to(people.staff))
    assert "甲一社区" in visible and "甲二街道" not in visible and "乙区" not in visible
    assert "甲一街道办事处" in names(Unit.objects.visible_to(people.staff))
    assert set(Membership.objects.visible_to(people.staff_b).values_list("unit__name", flat=True)) == {"乙一街道办事处"}


def test_sites_follow_region_or_responsible_unit(people, units, city):
    SiteFactory(name="甲一农贸市场", region=city.a1, responsible_unit=units.street_a1)
    SiteFactory(name="乙一学校", region=city.b1, responsible_unit=units.cgj)
    assert names(Site.objects.visible_to(people.district_supervisor)) == {"甲一农贸市场"}
    assert names(Site.objects.visible_to(people.cgj_staff)) == {"乙一学校"}
    assert names(Site.objects.visible_to(people.staff_b)) == set()


def test_nobody_and_anonymous_see_nothing(people):
    from django.contrib.auth.models import AnonymousUser

    for user in (people.nobody, AnonymousUser()):
        assert not Region.objects.visible_to(user).exists()
        assert not Unit.objects.visible_to(user).exists()
        assert not Campaign.objects.visible_to(user).exists()


def test_campaign_visible_to_everyone_in_its_territory(people, campaign):
    for user in (people.staff, people.staff_b, people.leader, people.district_supervisor):
        assert list(Campaign.objects.visible_to(user)) == [campaign]


def test_a_supervisor_of_every_root_region_needs_no_visibility_filter(people, city, django_assert_num_queries):
    """The city office of a one-city deployment: issue and task lists drop the visibility OR;
    with a second city in the database they keep it. District people pay no extra query."""
    from inspections.models import Issue
    from tasks.models import Task

    assert scope_for(people.supervisor).covers_all_regions
    assert " OR " not in str(Issue.objects.visible_to(people.supervisor).query)
    assert " OR " not in str(Task.objects.visible_to(people.supervisor).query)
    assert not scope_for(people.supervisor).sees_all  # no admin rights from it

    people.district_supervisor._scope_cache = None
    with django_assert_num_queries(1):  # memberships only
        assert not scope_for(people.district_supervisor).covers_all_regions

    Region.objects.create(code="999900000000", name="邻市", level="city")
    people.supervisor._scope_cache = None
    assert not scope_for(people.supervisor).covers_all_regions
    assert " OR " in str(Issue.objects.visible_to(people.supervisor).query)
