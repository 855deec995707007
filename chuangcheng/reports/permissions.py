"""Who may do and see what in reports: briefings (build, edit a draft, publish) and dashboards
(which campaign, region and unit). Pure predicates and lookups from
:func:`~chuangcheng.org.scoping.scope_for`; pages, the API and commands wrap them.

*Seeing* a published briefing is scoping (:meth:`Briefing.objects.visible_to`); a draft is seen
only by those who may publish it (:func:`draft_q`). A dashboard region or unit the viewer may
not see raises :class:`OutOfScope`, which pages and the API answer with 404.
"""

from django.db.models import Q

from chuangcheng.org.permissions import is_signed_in
from chuangcheng.org.scoping import scope_for

BUILDER_ROLES = ("supervisor", "admin")
OVERVIEW_ROLES = ("supervisor", "leader", "admin")


# --- briefings ----------------------------------------------------------------------------------


def can_build_briefing(user, campaign, region) -> bool:
    """生成通报 on demand, edit a draft and publish it: a supervisor (or admin) whose scope
    covers the briefing's region — the campaign office for the city-wide one, a district office
    for its district."""
    if not is_signed_in(user):
        return False
    scope = scope_for(user)
    if not scope.has_role(*BUILDER_ROLES):
        return False
    return scope.covers_path(region.path)


def can_publish_briefing(user, briefing) -> bool:
    return briefing.is_draft and can_build_briefing(user, briefing.campaign, briefing.region)


def can_build_any_briefing(user) -> bool:
    """Whether to show the 生成通报 form at all."""
    if not is_signed_in(user):
        return False
    scope = scope_for(user)
    return scope.sees_all or (scope.has_role(*BUILDER_ROLES) and bool(scope.region_paths))


def draft_q(user):
    """The drafts ``user`` may see (as a filter on briefings): those they may publish."""
    if not is_signed_in(user):
        return Q(pk__in=[])
    scope = scope_for(user)
    if scope.sees_all:
        return Q()
    if not scope.has_role(*BUILDER_ROLES) or not scope.region_paths:
        return Q(pk__in=[])
    return scope.region_q("region__path")


# --- dashboards -----------------------------------------------------------------------------------


class OutOfScope(Exception):
    """The viewer may not see this campaign, region or unit (shown as 404)."""


def can_see_overview(user):
    return scope_for(user).has_role(*OVERVIEW_ROLES)


def as_id(value):
    """An id from a query-string value (``"12"``), else None."""
    return int(value) if value and str(value).isdigit() else None


def campaign_for(user, campaign_id=None):
    """The campaign shown: the one asked for (if visible), else the viewer's latest active one."""
    from chuangcheng.campaigns.models import Campaign

    campaigns = Campaign.objects.visible_to(user).select_related("region")
    if campaign_id:
        campaign = campaigns.filter(pk=campaign_id).first()
    else:
        campaign = campaigns.active().order_by("-start_date", "pk").first() or campaigns.order_by("-start_date").first()
    if campaign is None:
        raise OutOfScope
    return campaign


def top_regions(user, campaign):
    """The highest regions of the campaign the viewer sees whole: the city for the office, the
    assigned districts for a leader, a district for its supervisor."""
    from chuangcheng.org.models import Region

    scope = scope_for(user)
    if scope.covers_path(campaign.region.path):
        return [campaign.region]
    paths = [p for p in scope.region_paths if p.startswith(campaign.region.path)]
    paths = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return list(Region.objects.filter(path__in=paths).order_by("code", "name"))


def region_for(user, campaign, region_id=None):
    """The region to show: the one asked for when the viewer's scope covers it, else the first
    top region. Raises :class:`OutOfScope` otherwise."""
    from chuangcheng.org.models import Region

    tops = top_regions(user, campaign)
    if not tops:
        raise OutOfScope
    if not region_id:
        return tops[0]
    region = Region.objects.filter(pk=region_id, path__startswith=campaign.region.path).first()
    if region is None or not scope_for(user).covers_path(region.path):
        raise OutOfScope
    return region


def resolve(user, campaign_id=None, region_id=None):
    """The campaign and region a viewer asked for (raw query values) and may see; raises
    :class:`OutOfScope`."""
    campaign = campaign_for(user, as_id(campaign_id))
    return campaign, region_for(user, campaign, as_id(region_id))


def can_see_unit(user, unit):
    """A unit's view: its own people, and whoever sees the region it sits in."""
    scope = scope_for(user)
    return scope.sees_all or unit.pk in scope.unit_ids or scope.covers_path(unit.region.path)


def units_headed(user):
    """The units whose head (or staff) the viewer is: a unit view each."""
    from chuangcheng.org.models import Unit

    scope = scope_for(user)
    return list(Unit.objects.filter(pk__in=scope.unit_ids, is_active=True).order_by("level", "name"))
