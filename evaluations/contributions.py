"""What 模拟测评 adds to the reports layer (registered in :meth:`EvaluationsConfig.ready`):

- in 短板, the **measured** point loss per indicator of the latest round with answers, in the
  dashboard's scope, beside the open-issue projection (each labelled, both defined);
- in the weekly and monthly briefings, a 模拟测评与举一反三 section: the latest round's score per
  district with the change since the round before, and the sweeps open in the period with how
  many sites are answered.

Both read :func:`evaluations.scoring.round_score`, the one computation of the score.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from chuangcheng.reports import contributions
from chuangcheng.reports.templatetags.dashboard_ui import figure

from . import scoring
from .models import Sweep, SweepResult
from .report import fmt, signed


def measured_losses(campaign, scope):
    round_ = scoring.latest_scored_round(campaign)
    if round_ is None:
        return None
    path = None if scope is None else scope.path
    if path and not (path.startswith(round_.region.path) or round_.region.path.startswith(path)):
        return None
    score = round_score_for(round_, path)
    return {
        # the round's number, not its name: a name is data, written in one language
        "label": _("实测失分（第%(n)s轮）") % {"n": round_.number},
        "definition": _("本范围内该轮测评点位的平均扣分。") + str(scoring.SCORE_RULE),
        "losses": {pk: ind.lost for pk, ind in score.city.indicators.items()},
    }


def round_score_for(round_, path):
    """The round's score over ``path`` (the whole round when the path covers it)."""
    if path and round_.region.path.startswith(path):
        path = None
    return scoring.round_score(round_, path=path)


def briefing_section(campaign, region, start, end):
    round_ = scoring.latest_scored_round(campaign, until=end)  # what was known when the period ended
    path = None if region is None or region.pk == campaign.region_id else region.path
    sweeps = Sweep.objects.filter(campaign=campaign, created_at__date__lte=end, due_on__gte=start)
    if path:
        sweeps = sweeps.filter(region__path__startswith=path)
    sweeps = list(
        sweeps.annotate(
            total=Count("sites"),
            passed=Count("sites", filter=Q(sites__result=SweepResult.PASS)),
            issues=Count("sites", filter=Q(sites__result=SweepResult.ISSUE)),
        ).order_by("created_at")
    )
    if round_ is None and not sweeps:
        return None
    tables, notes = [], []
    if round_ is not None:
        score = round_score_for(round_, path)
        previous = scoring.previous_round(round_)
        before = round_score_for(previous, path) if previous else None
        city = score.city
        if city.score is None:  # not measured yet: no score, 失分 or 合格率 to state
            notes.append(
                contributions.phrase(
                    gettext_noop("%(r)s：抽取点位 %(n)s 个，尚未测评。"), r=round_.name, n=city.sites_total
                )
            )
        else:
            notes.append(
                contributions.phrase(
                    gettext_noop(
                        "%(r)s：抽取点位 %(n)s 个，已测 %(a)s 个；模拟得分 %(s)s（百分制），失分 %(l)s，合格率 %(p)s%%。"
                    ),
                    r=round_.name,
                    n=city.sites_total,
                    a=city.sites_answered,
                    s=fmt(city.score),
                    l=fmt(city.lost_shown),
                    p=fmt(figure(city.pass_rate, "%")),
                )
            )
        prior = {d.key: d for d in before.districts} if before else {}
        caption = contributions.phrase(gettext_noop("各区模拟得分（%(r)s）"), r=round_.name)
        tables.append(
            {
                "caption": contributions.phrase_text([caption]),
                "caption_parts": [caption],
                "headers": [_("区"), _("排名"), _("已测点位"), _("模拟得分"), _("失分"), _("合格率（%）"), _("较上轮")],
                "rows": [
                    [
                        d.name,
                        "—" if rank is None else rank,
                        f"{d.sites_answered}/{d.sites_total}",
                        fmt(d.score),
                        fmt(d.lost_shown),
                        fmt(figure(d.pass_rate, "%")),
                        signed(scoring.change(d.score, prior[d.key].score if d.key in prior else None)),
                    ]
                    for rank, d in scoring.ranked(score.districts)
                ],
            }
        )
        notes.append(contributions.phrase(scoring.SCORE_RULE_TEXT))
    if sweeps:
        tables.append(
            {
                "caption": _("举一反三排查"),
                "headers": [_("排查事项"), _("点位"), _("合格"), _("发现问题"), _("未排查"), _("完成时限")],
                "rows": [
                    [
                        s.title,
                        s.total,
                        s.passed,
                        s.issues,
                        s.total - s.passed - s.issues,
                        f"{s.due_on.month}月{s.due_on.day}日",
                    ]
                    for s in sweeps
                ],
            }
        )
    return {"note": contributions.phrase_text(notes), "note_parts": notes, "tables": tables}


def sweep_link(user, issue):
    """举一反三 on an issue's page: for a supervisor over the campaign's region, when the issue
    is at a 测评点位 (the sweep checks every site of its type)."""
    from django.urls import reverse

    from . import permissions

    if issue.site_id is None or not permissions.can_start_sweep(user, issue.campaign.region):
        return None
    return {
        "label": _("举一反三：排查同类点位"),
        "url": reverse("evaluations:sweep_new") + f"?issue={issue.pk}",
        "testid": "sweep-from-issue",
    }


def register():
    from inspections.links import register_issue_link

    register_issue_link("evaluations-sweep", sweep_link)
    contributions.register_measure("evaluation", measured_losses)
    contributions.register_section(
        "evaluation",
        title=gettext_lazy("模拟测评与举一反三"),
        build=briefing_section,
        kinds=("weekly", "monthly"),
        order=60,
    )
