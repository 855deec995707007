"""Reads for the org pages that are more than a filter.

The home page gathers who I am and the campaigns I can see (other apps add panels: org.home);
each read here costs a fixed number of queries whatever the number of rows.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from chuangcheng.campaigns.models import Campaign

from .models import Membership, Region

CAMPAIGN_TZ = ZoneInfo("Asia/Shanghai")


def region_full_names(regions):
    """``{region.id: full name}`` — the same text as :meth:`Region.full_name`, in one query
    for all ``regions`` together instead of one per region."""
    regions = [r for r in regions if r is not None]
    ancestor_ids = {i for r in regions for i in r.ancestor_ids()}
    by_id = Region.objects.in_bulk(ancestor_ids) if ancestor_ids else {}
    by_id.update({r.id: r for r in regions})
    return {r.id: "".join(by_id[i].name for i in [*r.ancestor_ids(), r.id] if i in by_id) for r in regions}


@dataclass(frozen=True)
class MembershipRow:
    membership: Membership
    scope_name: str  # the full name of the region the role covers (管辖范围)

    @property
    def unit(self):
        return self.membership.unit

    @property
    def role_display(self):
        return self.membership.get_role_display()


def membership_list(*, user):
    """The user's roles in active units, each with the full name of the region it covers:
    ``scope_region`` when set, else the unit's region. Two queries."""
    memberships = list(
        Membership.objects.filter(user=user, unit__is_active=True)
        .select_related("unit__region", "scope_region")
        .order_by("unit__level", "unit__name", "role")
    )
    scopes = {m.id: m.scope_region or m.unit.region for m in memberships}
    names = region_full_names(scopes.values())
    return [MembershipRow(membership=m, scope_name=names[scopes[m.id].id]) for m in memberships]


@dataclass(frozen=True)
class CampaignCountdown:
    campaign: Campaign
    days_left: int  # negative once the target inspection date has passed

    @property
    def days_past(self):
        """Days since the target inspection date (0 until it has passed)."""
        return max(-self.days_left, 0)

    @property
    def title_labels(self):
        return self.campaign.title_labels()


def campaign_countdown_list(*, user, today=None):
    """Active campaigns the user can see, soonest inspection first. "Today" is the date in
    Asia/Shanghai, whatever the request's time zone."""
    today = today or timezone.localdate(timezone=CAMPAIGN_TZ)
    campaigns = Campaign.objects.visible_to(user).active().order_by("target_date", "name")
    return [CampaignCountdown(campaign=c, days_left=c.days_left(today=today)) for c in campaigns]
