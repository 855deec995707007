"""Every write of 模拟测评 and 举一反三: plan a round (draw its sites), start and close it, answer
a site's checklist, turn its failures into issues, start a sweep and answer its sites.

Each is one transaction that checks the role, the scope and the state first; a refusal is an
:class:`ApplicationError` naming the field (or the check item) and nothing is written.

Modules: :mod:`.rounds` (plan, start, close), :mod:`.answers` (a site's checklist, its answers,
生成问题), :mod:`.sweeps` (举一反三).
"""

from .answers import checklist, site_answer, site_generate_issues
from .rounds import MAX_QUOTA, TRANSITIONS, clean_quotas, district_of, round_create, round_districts, round_transition
from .sweeps import sweep_answer, sweep_create

__all__ = [
    "MAX_QUOTA",
    "TRANSITIONS",
    "checklist",
    "clean_quotas",
    "district_of",
    "round_create",
    "round_districts",
    "round_transition",
    "site_answer",
    "site_generate_issues",
    "sweep_answer",
    "sweep_create",
]
