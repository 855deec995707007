"""Pure predicates: may this person do this to this issue? One condition per line.

Visibility is separate (``Issue.objects.visible_to``); these assume the issue is visible. The
rule that keeps the figures honest lives here: the unit that rectifies never verifies its own
work — a member of the responsible unit (in any role, supervisors included) may not verify,
reject or decide its extension.
"""

from chuangcheng.org.permissions import works_in
from chuangcheng.org.scoping import scope_for

from .models import PhotoKind

ANY_ROLE = ("staff", "unit_head", "supervisor", "leader", "admin")


def supervises_path(user, path):
    scope = scope_for(user)
    if scope.sees_all:
        return True
    return "supervisor" in scope.roles and scope.covers_path(path)


def supervises(user, issue):
    """A supervisor whose scope covers the issue's region, or an admin."""
    return supervises_path(user, issue.region.path)


def is_responsible(user, issue):
    """Staff or head of the issue's responsible unit."""
    return works_in(user, issue.responsible_unit_id)


def belongs_to_responsible_unit(user, issue):
    """Any membership at all in the responsible unit."""
    return works_in(user, issue.responsible_unit_id, roles=ANY_ROLE)


def can_create_issue(user, region) -> bool:
    """Record an issue in ``region``: supervisors (inspectors) and leaders (领导交办) whose
    scope covers it, and admins."""
    scope = scope_for(user)
    if not scope.has_role("supervisor", "leader"):
        return False
    return scope.covers_path(region.path)


def can_create_inspection(user, region) -> bool:
    return can_create_issue(user, region)


def can_import_feedback(user) -> bool:
    """Import an 上级反馈 list: supervisors and admins (each row's region is checked again when
    its issue is recorded and dispatched)."""
    return scope_for(user).has_role("supervisor", "admin")


def can_accept(user, issue) -> bool:
    """立案, merge or dismiss a report."""
    return supervises(user, issue)


def can_assign(user, issue) -> bool:
    """Send to a unit, change the unit or deadline, decide 申请退回, move to long-term."""
    return supervises(user, issue)


def can_sign(user, issue) -> bool:
    return is_responsible(user, issue)


def can_request(user, issue) -> bool:
    """申请退回 / 申请延期: the responsible unit asks."""
    return is_responsible(user, issue)


def can_submit(user, issue) -> bool:
    """Submit for verification, report long-term progress."""
    return is_responsible(user, issue)


def can_decide_extension(user, issue) -> bool:
    """Approve or refuse an extension: a supervisor outside the responsible unit."""
    if belongs_to_responsible_unit(user, issue):
        return False
    return supervises(user, issue)


def can_verify(user, issue) -> bool:
    """Verify or reject: a supervisor in scope — never a member of the responsible unit."""
    if belongs_to_responsible_unit(user, issue):
        return False
    return supervises(user, issue)


def can_reopen(user, issue) -> bool:
    """反弹: a supervisor finds a closed issue back."""
    return supervises(user, issue)


def can_add_photo(user, issue, kind=None) -> bool:
    """Before-photos by supervisors, after-photos by the unit, evidence by either.
    Without ``kind``: may this person add any photo at all."""
    if kind == PhotoKind.BEFORE:
        return supervises(user, issue)
    if kind == PhotoKind.AFTER:
        return is_responsible(user, issue)
    return supervises(user, issue) or is_responsible(user, issue)
