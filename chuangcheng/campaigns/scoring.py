"""Scores for unscored indicators: an explicit, printed rule instead of 0.

Many published systems score only some levels (the 2015 文明城市 体系 as exported by district
systems leaves the 项目 and many 指标 empty). A figure that multiplies by an empty score would
make every such indicator worth nothing — 短板 would show 预计失分 0.0 for exactly the items it
exists to flag. So every indicator gets an ``effective_score``:

1. a score the standard gives is kept;
2. an unscored item whose children all have a score is worth their sum;
3. any other unscored item gets an equal share of its parent's score, after the siblings that
   have a score are taken out (never below 0); the top level shares :data:`TOTAL` points.

:data:`SCORE_RULE` is the sentence printed wherever such a score is shown. Recomputed for the
whole standard whenever an indicator is imported, added, changed or removed.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

TOTAL = Decimal(100)
PLACES = Decimal("0.001")
SCORE_RULE = _(
    "未标分值的指标按规则计分：有下级的取下级分值之和；其余在同一上级内平分上级分值"
    "（先扣除已标分值的同级指标）；一级指标按总分 100 分计。按规则推算的分值标有“推算”。"
)


def effective_scores(nodes):
    """``nodes``: iterable of ``(pk, parent_id, max_score)`` → ``{pk: (score, derived)}``."""
    nodes = list(nodes)
    children = defaultdict(list)
    given = {}
    for pk, parent_id, score in nodes:
        children[parent_id].append(pk)
        given[pk] = score
    known = {}

    def up(pk):
        sums = [up(child) for child in children[pk]]
        if given[pk] is not None:
            known[pk] = (Decimal(given[pk]), False)
        elif children[pk] and all(s is not None for s in sums):
            known[pk] = (sum(sums, Decimal(0)), True)
        return known[pk][0] if pk in known else None

    def down(total, kids):
        unknown = [k for k in kids if k not in known]
        if unknown:
            rest = total - sum((known[k][0] for k in kids if k in known), Decimal(0))
            share = (max(rest, Decimal(0)) / len(unknown)).quantize(PLACES, ROUND_HALF_UP)
            for k in unknown:
                known[k] = (share, True)
        for k in kids:
            down(known[k][0], children[k])

    roots = [pk for pk, parent_id, _score in nodes if parent_id is None or parent_id not in given]
    for root in roots:
        up(root)
    down(TOTAL, roots)
    return known


def standard_recompute_scores(standard_id):
    """Store every indicator's effective score (one UPDATE per changed row, in bulk)."""
    from .models import Indicator

    indicators = list(
        Indicator.objects.filter(standard_id=standard_id).only(
            "pk", "parent_id", "max_score", "effective_score", "score_is_derived"
        )
    )
    scores = effective_scores((i.pk, i.parent_id, i.max_score) for i in indicators)
    changed = []
    for indicator in indicators:
        score, derived = scores.get(indicator.pk, (None, False))
        score = score.quantize(PLACES) if score is not None else None
        if indicator.effective_score != score or indicator.score_is_derived != derived:
            indicator.effective_score, indicator.score_is_derived = score, derived
            changed.append(indicator)
    Indicator.objects.bulk_update(changed, ["effective_score", "score_is_derived"], batch_size=500)
    return len(changed)
