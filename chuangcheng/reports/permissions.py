"""Who may do what with briefings: pure predicates (pages and commands wrap them).

*Seeing* a briefing is scoping (:meth:`Briefing.objects.visible_to`), not a predicate here.
"""

from chuangcheng.org.permissions import is_signed_in
from chuangcheng.org.scoping import scope_for

BUILDER_ROLES = ("supervisor", "admin")


def can_build_briefing(user, campaign, region) -> bool:
    """生成通报 on demand: a supervisor (or admin) whose scope covers the briefing's region —
    the campaign office for the city-wide one, a district office for its district."""
    if not is_signed_in(user):
        return False
    scope = scope_for(user)
    if not scope.has_role(*BUILDER_ROLES):
        return False
    return scope.covers_path(region.path)


def can_build_any_briefing(user) -> bool:
    """Whether to show the 生成通报 form at all."""
    if not is_signed_in(user):
        return False
    scope = scope_for(user)
    return scope.sees_all or (scope.has_role(*BUILDER_ROLES) and bool(scope.region_paths))
