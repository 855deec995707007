"""What the dossiers add to the reports layer (registered in :meth:`DossiersConfig.ready`):
材料完成率 among the dashboard's headline figures, and a 档案资料 section in the weekly and monthly
briefings (the totals, then the units still short of complete). Both read
:func:`dossiers.selectors.completeness`, the one computation of the figure."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext

from chuangcheng.reports import contributions

from . import selectors

UNIT_LIMIT = 30  # units listed in a briefing (the least complete first)


def _scope(campaign, region):
    return None if region is None or region.pk == campaign.region_id else region


def completion_rate(campaign, region):
    return selectors.completeness_totals(campaign, _scope(campaign, region)).rate


def briefing_section(campaign, region, start, end):
    """Completeness as of the briefing's build (材料 have no period: the figure is 截至当前)."""
    data = selectors.completeness(campaign, _scope(campaign, region))
    t = data.totals
    if not t.total:
        return None
    short = [r for r in data.by_unit if r.counts.approved < r.counts.total][:UNIT_LIMIT]
    note = contributions.phrase(
        gettext_noop(
            "截至发布时，材料要求 %(total)s 项，审核通过 %(approved)s 项，材料完成率 %(rate)s%%；"
            "待审 %(pending)s 项，退回 %(returned)s 项，缺项 %(missing)s 项，逾期未通过 %(overdue)s 项。"
        ),
        **{k: str(v) for k, v in t.as_dict().items()},
    )
    return {
        "note": contributions.phrase_text([note]),
        "note_parts": [note],
        "tables": [
            {
                "caption": _("材料未完成的单位"),
                "headers": [
                    _("单位"),
                    _("材料要求"),
                    _("通过"),
                    _("待审"),
                    pgettext("dossier status", "退回"),
                    _("缺项"),
                    _("逾期"),
                    _("完成率"),
                ],
                "rows": [
                    [
                        r.name,
                        r.counts.total,
                        r.counts.approved,
                        r.counts.pending,
                        r.counts.returned,
                        r.counts.missing,
                        r.counts.overdue,
                        f"{r.counts.rate}%",
                    ]
                    for r in short
                ],
            }
        ],
    }


def register():
    contributions.register_figure(
        "dossier_completion_rate",
        label=gettext_lazy("材料完成率"),
        unit="%",
        compute=completion_rate,
        definition=selectors.definition,
    )
    contributions.register_section(
        "dossiers", title=gettext_lazy("档案资料"), build=briefing_section, kinds=("weekly", "monthly"), order=10
    )
