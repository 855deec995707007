"""The figures (数据指标): counts, rates, scores and ranks — defined here and nowhere else.

Dashboards, the daily summary rows, briefings, exports, the API and the list pages' chips all
read these, so a number never disagrees with itself:

- :mod:`.predicates` — what each count counts (one predicate per figure);
- :mod:`.counts` — :class:`Figures`, the counts of one unit/region/scope and their rates;
- :mod:`.history` — what was owed at a past moment, replayed from the event log;
- :mod:`.scoring` — sample threshold, composite score, ranks, red/black flags;
- :mod:`.sets` — a scope and period per unit, per child region and in total.

Each figure's printed definition is in :mod:`chuangcheng.reports.definitions`; ``definitions()``
returns them for a scoring rule. Every public function takes ``(campaign, period_start,
period_end, scope)`` — ``scope`` a :class:`~chuangcheng.org.models.Region` or ``None`` for the
campaign's whole territory — and returns plain dataclasses (``as_dict()`` for JSON).
"""

from .counts import Figures, pct
from .predicates import in_period, issues_closed, issues_closed_on_time, issues_due
from .scoring import COMPONENTS, DEDUCTIONS, TIE_BREAKERS, Scoring, breakdown, is_ranked, rank_rows, score, scoring_for
from .sets import FigureSet, Row, figure_set, region_figures, total_figures, unit_figures, unit_groups

__all__ = [
    "COMPONENTS",
    "DEDUCTIONS",
    "TIE_BREAKERS",
    "FigureSet",
    "Figures",
    "Row",
    "Scoring",
    "breakdown",
    "definitions",
    "figure_set",
    "in_period",
    "is_ranked",
    "issues_closed",
    "issues_closed_on_time",
    "issues_due",
    "pct",
    "rank_rows",
    "region_figures",
    "score",
    "scoring_for",
    "total_figures",
    "unit_figures",
    "unit_groups",
]


def definitions(scoring=None):
    """Every figure's written definition, in display order (``{key: Definition}``)."""
    from ..definitions import definitions as build

    return build(scoring or Scoring())
