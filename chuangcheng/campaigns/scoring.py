"""Scores for unscored indicators: an explicit, printed rule instead of 0.

Many published systems score only some levels (the 2015 文明城市 体系 as exported by district
systems leaves the 项目 and many 指标 empty). A figure that multiplies by an empty score would
make every such indicator worth nothing — 短板 would show 预计失分 0.0 for exactly the items it
exists to flag. So every indicator gets an ``effective_score`` (equal weight within the parent):

1. a score the standard gives is kept;
2. an unscored item among siblings of which some have a score: if the parent has a score and
   something of it is left, the unscored ones share what is left; otherwise each is worth the
   mean of its scored siblings;
3. an unscored item with children is worth the sum of its children;
4. siblings none of which has a score share their parent's score equally; at the top level
   they share :data:`TOTAL` points.

:data:`SCORE_RULE` is the sentence printed wherever such a score is shown. Recomputed for the
whole standard whenever an indicator is imported, added, changed or removed.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

TOTAL = Decimal(100)
PLACES = Decimal("0.001")
SCORE_RULE = _(
    "未标分值的指标按规则计分（同级等权）：有下级的取下级分值之和；同一上级下部分指标有分值时，"
    "上级有分值则由未标分值的指标平分上级剩余分值，否则取有分值同级指标的平均值；同级都未标分值时平分上级分值，"
    "一级指标都未标分值时按总分 100 分平分。按规则推算的分值标有“推算”。"
)


def _q(value):
    return value.quantize(PLACES, ROUND_HALF_UP)


def effective_scores(nodes):
    """``nodes``: iterable of ``(pk, parent_id, max_score)`` → ``{pk: (score, derived)}``."""
    nodes = list(nodes)
    children = defaultdict(list)
    given = {}
    for pk, parent_id, score in nodes:
        children[parent_id].append(pk)
        given[pk] = None if score is None else Decimal(score)
    known = {}

    def fill_siblings(parent_score, kids):
        """Rule 2 for the unscored among ``kids`` (some of which are scored)."""
        scored = [known[k][0] for k in kids if k in known]
        unscored = [k for k in kids if k not in known]
        if not scored or not unscored:
            return
        left = parent_score - sum(scored, Decimal(0)) if parent_score is not None else None
        value = left / len(unscored) if left is not None and left > 0 else sum(scored, Decimal(0)) / len(scored)
        for k in unscored:
            known[k] = (_q(value), True)

    def up(pk):
        kids = children[pk]
        for kid in kids:
            up(kid)
        if given[pk] is not None:
            known[pk] = (given[pk], False)
        fill_siblings(given[pk], kids)
        if pk not in known and kids and all(k in known for k in kids):
            known[pk] = (sum((known[k][0] for k in kids), Decimal(0)), True)

    def down(total, kids):
        unknown = [k for k in kids if k not in known]
        if unknown and total is not None:
            share = _q(max(total, Decimal(0)) / len(unknown))
            for k in unknown:
                known[k] = (share, True)
        for k in kids:
            down(known[k][0] if k in known else None, children[k])

    roots = [pk for pk, parent_id, _score in nodes if parent_id is None or parent_id not in given]
    for root in roots:
        up(root)
    fill_siblings(None, roots)
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
