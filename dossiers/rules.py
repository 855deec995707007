"""Which indicators need a dossier (档案资料): those evaluated by 材料审核 or 网上申报.

The one place that reads the indicator's evaluation method for this. Today
``Indicator.method`` is a single choice; when it becomes a set of methods, change the two
functions below (the predicate and its query twin) and nothing else.
"""

from django.db.models import Q

from chuangcheng.campaigns.models import EvaluationMethod

DOSSIER_METHODS = frozenset({EvaluationMethod.DOCUMENT, EvaluationMethod.ONLINE})


def needs_dossier(indicator) -> bool:
    """Is this indicator evaluated (at least partly) on documents?"""
    return indicator.method in DOSSIER_METHODS


def needs_dossier_q(prefix="") -> Q:
    """The same rule as a query condition on indicators (``prefix`` e.g. ``"indicator__"``)."""
    return Q(**{f"{prefix}method__in": sorted(DOSSIER_METHODS)})
