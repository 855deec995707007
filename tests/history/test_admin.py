"""The configuration's history, as an administrator reads it in the admin: changing a unit's
name and a leader assignment through the admin's forms shows both changes on their 历史 pages,
with the person who made them and the old values; memberships, campaigns (and their
standards), scoring rules and indicators are tracked too, and a history row is never edited."""

import pytest
from django.urls import reverse

from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.org.models import LeaderAssignment, Membership, Unit
from chuangcheng.reports.models import CampaignScoring
from tests.factories import IndicatorFactory, StandardFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client, db):
    user = UserFactory(username="root", display_name="系统管理员甲", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _unit_form(unit, **changes):
    data = {
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "level": unit.level,
        "region": unit.region_id,
        "parent": unit.parent_id or "",
        "is_active": "on" if unit.is_active else "",
        # the 别名 inline's management form (the unit has no aliases in these fixtures)
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def _assignment_form(a, **changes):
    data = {
        "campaign": a.campaign_id,
        "leader": a.leader_id or "",
        "unit": a.unit_id or "",
        "region": a.region_id or "",
        "site": a.site_id or "",
        "kind": a.kind,
        "note": a.note,
    }
    return {**data, **changes}


def test_admin_changes_show_actor_and_old_values(client, root, city, units, people, campaign):
    street = units.street_a1
    response = client.post(
        reverse("admin:org_unit_change", args=[street.pk]), _unit_form(street, name="甲一街道党工委")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment = LeaderAssignment.objects.get(leader=people.leader)
    response = client.post(
        reverse("admin:org_leaderassignment_change", args=[assignment.pk]),
        _assignment_form(assignment, region=city.b.pk, kind="in_charge"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    record = Unit.history.filter(id=street.pk).latest("history_id")
    assert (record.history_user, record.history_type, record.prev_record.name) == (root, "~", "甲一街道办事处")

    page = client.get(reverse("admin:org_unit_history", args=[street.pk])).content.decode()
    assert "系统管理员甲" in page
    assert "甲一街道办事处" in page and "甲一街道党工委" in page  # old → new

    page = client.get(reverse("admin:org_leaderassignment_history", args=[assignment.pk])).content.decode()
    assert "系统管理员甲" in page
    assert "甲区" in page and "乙区" in page  # the old region and the new one
    assert "包保领导" in page and "分管领导" in page and "baobao" not in page  # kinds by their labels


def test_tracked_configuration(root, people, units, campaign, client):
    membership = Membership.objects.get(user=people.staff)
    membership.role = "unit_head"
    membership.save()
    assert [h.role for h in Membership.history.filter(id=membership.pk).order_by("history_id")] == [
        "staff",
        "unit_head",
    ]

    standard = StandardFactory()
    campaign.name = "百日会战（第二阶段）"
    campaign.save()
    campaign.standards.add(standard)
    assert Campaign.history.filter(id=campaign.pk).count() >= 2
    assert Campaign.history.filter(id=campaign.pk).earliest("history_id").name == "百日会战"

    scoring = CampaignScoring.objects.create(campaign=campaign)
    scoring.weight_issue_on_time = 50
    scoring.save()
    assert [h.weight_issue_on_time for h in CampaignScoring.history.order_by("history_id")] == [35, 50]
    assert client.get(reverse("admin:reports_campaignscoring_history", args=[scoring.pk])).status_code == 200

    indicator = IndicatorFactory(standard=standard, code="1.1", name="组织机构")
    indicator.method = "document"
    indicator.save()
    assert Indicator.history.filter(id=indicator.pk).count() == 2
    page = client.get(reverse("admin:campaigns_indicator_history", args=[indicator.pk])).content.decode()
    assert "材料审核" in page


def test_deleting_keeps_the_last_state(root, units):
    unit = Unit.objects.create(name="临时专班", kind="other", level="city", region=units.office.region)
    pk = unit.pk
    unit.delete()
    last = Unit.history.filter(id=pk).latest("history_id")
    assert (last.history_type, last.name) == ("-", "临时专班")
