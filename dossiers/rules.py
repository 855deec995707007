"""Which indicators need a dossier (档案资料): those evaluated (at least partly) by 材料审核 or
网上申报 — any of the indicator's set of methods (``Indicator.methods``, comma-separated).

The one place that reads the indicator's evaluation methods for this: the predicate and its
query twin below must agree (tests/dossiers pin both).
"""

from django.db.models import Q

from chuangcheng.campaigns.models import EvaluationMethod

DOSSIER_METHODS = frozenset({EvaluationMethod.DOCUMENT, EvaluationMethod.ONLINE})


def needs_dossier(indicator) -> bool:
    """Is this indicator evaluated (at least partly) on documents?"""
    return bool(DOSSIER_METHODS.intersection(indicator.method_list))


def needs_dossier_q(prefix="") -> Q:
    """The same rule as a query condition on indicators (``prefix`` e.g. ``"indicator__"``):
    one of the comma-separated methods is a document method."""
    alternatives = "|".join(sorted(DOSSIER_METHODS))
    return Q(**{f"{prefix}methods__regex": rf"(^|,)({alternatives})(,|$)"})
