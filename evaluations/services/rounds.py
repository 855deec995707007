"""模拟测评 rounds: plan one (draw its sites per district and type, assign them to the
inspectors), start and close it."""

import random

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import CampaignStatus
from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import Region, RegionLevel, Site, SiteType
from chuangcheng.servicekit import clean_text
from inspections.permissions import can_create_inspection

from .. import permissions, sampling
from ..models import Round, RoundSite, RoundState

MAX_QUOTA = 50

TRANSITIONS = {
    # state → (action, next state)
    RoundState.PLANNED: {"start": RoundState.IN_PROGRESS, "close": RoundState.CLOSED},
    RoundState.IN_PROGRESS: {"close": RoundState.CLOSED},
    RoundState.CLOSED: {},
}


def district_of(region, districts):
    """The district (区县) among ``districts`` whose subtree holds ``region``, or None."""
    for d in districts:
        if region.path.startswith(d.path):
            return d
    return None


def round_districts(region):
    """The districts a round over ``region`` samples per: its 区县 (a city), or itself."""
    if region.level in (RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.GRID):
        return [region]
    return list(Region.objects.filter(level=RegionLevel.COUNTY, path__startswith=region.path).order_by("path"))


def clean_quotas(quotas):
    if not isinstance(quotas, dict) or not quotas:
        raise ApplicationError(_("请填写各类点位的抽样数量。"), field="quotas")
    out = {}
    for key, value in quotas.items():
        if key not in SiteType.values:
            raise ApplicationError(_("未知的点位类型“%(t)s”。") % {"t": key}, field="quotas")
        try:
            n = int(value)
        except (TypeError, ValueError):
            n = -1
        if n < 0 or n > MAX_QUOTA:
            raise ApplicationError(
                _("“%(t)s”的抽样数量应为 0～%(max)d 的整数。") % {"t": SiteType(key).label, "max": MAX_QUOTA},
                field="quotas",
            )
        if n:
            out[key] = n
    if not out:
        raise ApplicationError(_("至少一类点位的抽样数量要大于 0。"), field="quotas")
    return out


def _previous_site_ids(campaign, number):
    previous = Round.objects.filter(campaign=campaign, number__lt=number).order_by("-number").first()
    return set() if previous is None else set(previous.sites.values_list("site_id", flat=True))


@transaction.atomic
def round_create(
    *,
    actor,
    campaign,
    name,
    region,
    starts_on,
    ends_on,
    quotas,
    seed=None,
    exclude_previous=False,
    inspectors=(),
):
    """Plan a round: draw ``quotas`` sites per type in every district of ``region`` (the seed
    recorded; a new one when none is given) and assign them to ``inspectors`` in turn — each
    site to the next inspector who may inspect its region."""
    if not permissions.can_manage_round(actor, region):
        raise ApplicationError(_("您没有权限在该区域组织模拟测评。"), code="forbidden")
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError(_("创建活动“%(c)s”已结束。") % {"c": campaign.name}, field="campaign")
    if not region.path.startswith(campaign.region.path):
        raise ApplicationError(_("测评范围不在创建活动的区域内。"), field="region")
    name = clean_text(name, "name", _("请填写轮次名称。"))
    if starts_on is None or ends_on is None:
        raise ApplicationError(_("请填写测评的开始和结束日期。"), field="starts_on")
    if ends_on < starts_on:
        raise ApplicationError(_("结束日期不能早于开始日期。"), field="ends_on")
    quotas = clean_quotas(quotas)
    if seed in (None, ""):
        seed = random.SystemRandom().randrange(1, 2**31)
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        raise ApplicationError(_("随机种子应为整数。"), field="seed") from None
    inspectors = list(inspectors)
    number = (Round.objects.select_for_update().filter(campaign=campaign).aggregate(n=Max("number"))["n"] or 0) + 1
    districts = round_districts(region)
    excluded = _previous_site_ids(campaign, number) if exclude_previous else set()
    candidates, sites = [], {}
    for site in Site.objects.filter(
        is_active=True, region__path__startswith=region.path, site_type__in=list(quotas)
    ).select_related("region"):
        district = district_of(site.region, districts)
        if district is None or site.pk in excluded:
            continue
        sites[site.pk] = site
        candidates.append(sampling.Candidate(site.pk, district.pk, site.site_type))
    picked, shortfalls = sampling.draw(candidates, quotas, seed)
    if not picked:
        raise ApplicationError(_("测评范围内没有可抽取的点位。"), field="quotas")
    round_ = Round.objects.create(
        campaign=campaign,
        number=number,
        name=name,
        region=region,
        starts_on=starts_on,
        ends_on=ends_on,
        quotas=quotas,
        seed=seed,
        exclude_previous=bool(exclude_previous),
        shortfalls=[s.__dict__ for s in shortfalls],
        created_by=actor,
    )
    turn = 0
    rows = []
    for order, c in enumerate(picked):
        site = sites[c.site_id]
        inspector = None
        for i in range(len(inspectors)):
            person = inspectors[(turn + i) % len(inspectors)]
            if can_create_inspection(person, site.region):
                inspector, turn = person, turn + i + 1
                break
        if inspectors and inspector is None:
            raise ApplicationError(
                _("点位“%(s)s”所在区域没有可以测评的人员，请增加该区的测评人员。") % {"s": site.name},
                field="inspectors",
            )
        rows.append(RoundSite(round=round_, site=site, district_id=c.district_id, inspector=inspector, order=order))
    RoundSite.objects.bulk_create(rows)
    return round_


@transaction.atomic
def round_transition(*, actor, round_id, action):
    """开始 (planned → in progress) or 结束 (→ closed: answers are final)."""
    round_ = Round.objects.select_for_update().select_related("region").get(pk=round_id)
    if not permissions.can_manage_round(actor, round_.region):
        raise ApplicationError(_("您没有权限管理该测评轮次。"), code="forbidden")
    target = TRANSITIONS[round_.state].get(action)
    if target is None:
        raise ApplicationError(
            _("测评轮次当前为“%(s)s”，不能执行该操作。") % {"s": round_.get_state_display()}, code="conflict"
        )
    round_.state = target
    fields = ["state"]
    if target == RoundState.CLOSED:
        round_.closed_at = timezone.now()
        fields.append("closed_at")
    round_.save(update_fields=fields)
    return round_
