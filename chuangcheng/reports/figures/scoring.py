"""The composite score (综合得分), who is ranked, ranks and red/black flags.

Fair by construction: a unit with too little to score in the period (the campaign's sample
threshold) is 不参与排名（样本不足）— no score, no rank, no flag; every part of a score is a
printed column (the rates and the counted deductions) and every weight is a printed setting,
so anyone can recompute a score by hand from a briefing; flags go to at most the printed share
of ranked units, and a tie across that boundary gets no flag rather than more flags than allowed.
"""

import math
from bisect import bisect_right
from collections import Counter
from dataclasses import asdict, dataclass, fields
from decimal import Decimal

# (rate on the row, weight setting): the base is the weighted mean of the rates that exist.
COMPONENTS = (
    ("on_time_rate", "weight_issue_on_time"),
    ("not_overdue_rate", "weight_issue_not_overdue"),
    ("task_on_time_rate", "weight_task_on_time"),
    ("first_pass_rate", "weight_no_rework"),
    ("task_on_track_rate", "weight_task_on_track"),
)
# (count on the row, points per item): subtracted from the base. 超期未改 of a key source
# (领导交办, 媒体曝光, 上级反馈) costs ``key_source_factor`` times as much.
DEDUCTIONS = (
    ("issues_overdue_open", "deduct_overdue_issue"),
    ("tasks_overdue", "deduct_overdue_task"),
    ("rejections", "deduct_rework"),
    ("recurrences", "deduct_recurrence"),
    ("extensions", "deduct_extension"),
    ("refused_reassignments", "deduct_refused_reassignment"),
    ("integrity_flags", "deduct_integrity"),
)
# Ties on the score are broken by these counts, fewer first; rows equal on all of them share a rank.
TIE_BREAKERS = ("issues_overdue_open", "rejections")


@dataclass(frozen=True)
class Scoring:
    """A campaign's scoring rule (:class:`~chuangcheng.reports.models.CampaignScoring`, or
    these defaults)."""

    weight_issue_on_time: int = 35
    weight_issue_not_overdue: int = 20
    weight_task_on_time: int = 20
    weight_no_rework: int = 10
    weight_task_on_track: int = 15
    deduct_overdue_issue: float = 0.5
    deduct_overdue_task: float = 0.5
    deduct_rework: float = 0.2
    deduct_recurrence: float = 1.0
    deduct_extension: float = 0.2
    deduct_refused_reassignment: float = 1.0
    deduct_integrity: float = 1.0
    key_source_factor: float = 2.0
    min_due_issues: int = 3
    min_due_tasks: int = 1
    flag_share: int = 20
    flag_count: int = 3
    auto_publish_daily: bool = True
    auto_publish_weekly: bool = False
    auto_publish_monthly: bool = False

    def as_dict(self):
        return asdict(self)

    def auto_publishes(self, kind):
        return getattr(self, f"auto_publish_{kind}", False)

    def flags_for(self, ranked):
        """How many red (and as many black) flags a group of ``ranked`` units may get."""
        return min(self.flag_count, math.floor(ranked * self.flag_share / 100))


def scoring_for(campaign):
    from django.conf import settings

    from ..models import CampaignScoring

    default_flags = getattr(settings, "BRIEFING_FLAG_COUNT", 3)
    row = CampaignScoring.objects.filter(campaign=campaign).first()
    if row is None:
        return Scoring(flag_count=default_flags)
    values = {f.name: getattr(row, f.name) for f in fields(Scoring) if f.name != "flag_count"}
    values = {k: float(v) if isinstance(v, Decimal) else v for k, v in values.items()}
    return Scoring(**values, flag_count=default_flags if row.flag_count is None else row.flag_count)


def is_ranked(figures, scoring):
    """Enough to score: at least ``min_due_issues`` issues due, or ``min_due_tasks`` tasks due."""
    return figures.issues_due >= scoring.min_due_issues or (
        scoring.min_due_tasks > 0 and figures.tasks_due >= scoring.min_due_tasks
    )


def deduction_items(figures, scoring):
    """``[(count key, count, points)]`` of every deduction with a weight, in :data:`DEDUCTIONS` order."""
    out = []
    for key, setting in DEDUCTIONS:
        per = getattr(scoring, setting)
        if not per:
            continue
        count = getattr(figures, key)
        if key == "issues_overdue_open":
            key_items = figures.issues_overdue_key
            points = (count - key_items) * per + key_items * per * scoring.key_source_factor
        else:
            points = count * per
        out.append((key, count, points))
    return out


def breakdown(figures, scoring):
    """``{"base", "deduction", "score"}`` of a ranked row (two decimals each), or ``None`` values
    for a row below the sample threshold."""
    if not is_ranked(figures, scoring):
        return {"base": None, "deduction": None, "score": None}
    parts = [(getattr(scoring, w), getattr(figures, rate)) for rate, w in COMPONENTS]
    parts = [(w, v) for w, v in parts if v is not None and w > 0]
    base = round(sum(w * v for w, v in parts) / sum(w for w, _v in parts), 2) if parts else 0.0
    deduction = round(sum(points for _k, _n, points in deduction_items(figures, scoring)), 2)
    return {"base": base, "deduction": deduction, "score": round(max(0.0, base - deduction), 2)}


def score(figures, scoring):
    """综合得分, or ``None`` for a row below the sample threshold."""
    return breakdown(figures, scoring)["score"]


def _order_key(row):
    return (-row.score, *(getattr(row.figures, k) for k in TIE_BREAKERS))


def rank_rows(rows, *, scoring=None, flags=True):
    """Rank the scored rows within each group: by score, ties broken by :data:`TIE_BREAKERS`
    (fewer first); rows equal on all share a rank (1, 2, 2, 4). With ``flags``, the top
    ``scoring.flags_for(n)`` of a group of ``n`` ranked rows get a red flag and the bottom as
    many a black one — a tie that straddles the boundary gets none; no row gets both."""
    groups = {}
    for row in rows:
        if row.score is not None:
            groups.setdefault(row.group, []).append(row)
    for members in groups.values():
        members.sort(key=lambda r: (_order_key(r), r.name))
        keys = [_order_key(r) for r in members]
        for i, row in enumerate(members):
            row.rank = members[i - 1].rank if i and keys[i - 1] == keys[i] else i + 1
            row.ranked_among = len(members)
        n = scoring.flags_for(len(members)) if (flags and scoring is not None) else 0
        if not n:
            continue
        tied_with = Counter(keys)  # the keys are in order: those above a key are past its last
        for row, key in zip(members, keys, strict=True):
            tied = tied_with[key]
            from_bottom = 1 + len(keys) - bisect_right(keys, key)
            red = row.rank + tied - 1 <= n
            black = from_bottom + tied - 1 <= n
            row.flag = "red" if red and not black else "black" if black and not red else ""
    return rows
