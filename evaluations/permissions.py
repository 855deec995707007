"""Pure predicates for 模拟测评 and 举一反三. One condition per line; visibility is separate
(``visible_to``).

The office (supervisors whose scope covers the round's region, admins) plans and closes rounds
and starts sweeps; the inspector assigned to a site — or a supervisor over it — answers there;
a sweep's site is answered by its responsible unit.
"""

from chuangcheng.org.permissions import works_in
from inspections.permissions import can_create_issue, supervises_path

from .models import RoundState


def can_manage_round(user, region) -> bool:
    """Plan, start, close a round over ``region``: a supervisor over it, or an admin."""
    return supervises_path(user, region.path)


def can_answer(user, round_site) -> bool:
    """Answer the checklist at a sampled site while the round is open: its inspector, or a
    supervisor over the site."""
    if round_site.round.state == RoundState.CLOSED:
        return False
    if round_site.inspector_id == user.pk:
        return True
    return supervises_path(user, round_site.site.region.path)


def can_generate_issues(user, round_site) -> bool:
    """生成问题 from the failed items: whoever may answer there and record issues in its region."""
    return can_answer(user, round_site) and can_create_issue(user, round_site.site.region)


def can_start_sweep(user, region) -> bool:
    """举一反三 over ``region``: a supervisor over it, or an admin."""
    return supervises_path(user, region.path)


def can_answer_sweep_site(user, sweep_site) -> bool:
    """The site's responsible unit (staff or head), or a supervisor over the site."""
    if works_in(user, sweep_site.unit_id):
        return True
    return supervises_path(user, sweep_site.site.region.path)
