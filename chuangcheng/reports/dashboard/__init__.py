"""Dashboards (总览, 领导视图, 单位视图): plain dicts, the same for the pages, the JSON API
(/api/v1/dashboard/) and the .xlsx export.

- :mod:`.sections` — the overview's reads (figures and daily summary rows);
- :mod:`.people` — the leader's extras and the unit view;
- :mod:`.present` — how the data reads (labels, definitions, list items);
- :mod:`.cache` — the short-lived cache (skipped when it fails);
- who may see which campaign, region or unit: :mod:`chuangcheng.reports.permissions`.
"""

from django.utils import timezone

from ..permissions import (
    OutOfScope,
    as_id,
    campaign_for,
    can_see_overview,
    region_for,
    resolve,
    top_regions,
    units_headed,
)
from . import present
from .people import leader_extras, unit_for, unit_view
from .sections import (
    SECTIONS,
    TREND_DAYS,
    breakdown,
    by_category,
    by_severity,
    forget,
    headline,
    keep_finished_week,
    negative_list,
    period_figures,
    ranking_period,
    trend,
    warm,
    weak_spots,
)

__all__ = [
    "SECTIONS",
    "TREND_DAYS",
    "OutOfScope",
    "as_id",
    "breadcrumbs",
    "breakdown",
    "by_category",
    "by_severity",
    "campaign_for",
    "can_see_overview",
    "forget",
    "headline",
    "keep_finished_week",
    "leader_extras",
    "negative_list",
    "overview",
    "period_figures",
    "ranking_period",
    "region_for",
    "resolve",
    "top_regions",
    "trend",
    "unit_for",
    "unit_view",
    "units_headed",
    "warm",
    "weak_spots",
]


def breadcrumbs(user, campaign, region):
    """The path from the viewer's top region down to ``region``: ``[{id, name}]``."""
    from chuangcheng.org.models import Region
    from chuangcheng.org.scoping import scope_for

    scope = scope_for(user)
    ids = [int(p) for p in region.path.strip("/").split("/") if p]
    by_id = Region.objects.in_bulk(ids)
    chain = [by_id[i] for i in ids if i in by_id and by_id[i].path.startswith(campaign.region.path)]
    return [{"id": r.pk, "name": r.name} for r in chain if scope.covers_path(r.path)]


def overview(user, campaign, region, *, now=None, sections=None, params=None):
    """The overview of ``region`` (already checked with :func:`region_for`), section by section."""
    now = now or timezone.now()
    params = params or {}
    out = {
        "campaign": {"id": campaign.pk, "name": campaign.name, **present.countdown(campaign, now)},
        "scope": {
            "id": region.pk,
            "name": region.name,
            "level": region.level,
            "city_wide": region.pk == campaign.region_id,
            "breadcrumbs": breadcrumbs(user, campaign, region),
        },
        "as_of": timezone.localtime(now).isoformat(timespec="minutes"),
    }
    for name in sections or SECTIONS:
        out[name] = SECTIONS[name](campaign, region, now, params)
    return out
