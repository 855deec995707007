"""Pure predicates: may this person do this to this issue? One condition per line.

Visibility is separate (``Issue.objects.visible_to``); these assume the issue is visible. The
rule that keeps the figures honest lives here: the unit that rectifies never verifies its own
work — a member of the responsible unit (in any role, supervisors included) may not verify,
reject or decide its extension.
"""

from django.utils.translation import gettext as _

from chuangcheng.org.permissions import works_in
from chuangcheng.org.scoping import scope_for

from .models import IssueAction, IssueEvent, PhotoKind

# Taking part in the rectification: whoever did one of these may not verify or reject the issue,
# whatever their memberships are now (a clerk later made a supervisor included).
RECTIFYING_ACTIONS = (IssueAction.SIGN, IssueAction.SUBMIT, IssueAction.LONG_TERM_PROGRESS)

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


def note_took_part(user, issue_ids):
    """Read, in one query, which of ``issue_ids`` ``user`` signed, submitted or reported long-term
    progress on, and keep the answers on the user for the rest of the request — a list primes its
    page's submitted issues, so its ``allowed_actions`` cost one query, or none when it has none.
    (It read every issue the person ever took part in: a read that grows with their history, on
    every page, for the few rows that need it.)"""
    known = _known(user)
    wanted = {pk for pk in issue_ids if pk not in known}
    if not wanted:
        return
    events = IssueEvent.objects.filter(issue_id__in=wanted, actor=user, action__in=RECTIFYING_ACTIONS)
    found = set(events.values_list("issue_id", flat=True))
    known.update((pk, pk in found) for pk in wanted)


def _known(user):
    known = getattr(user, "_took_part", None)
    if known is None:
        known = user._took_part = {}
    return known


def took_part(user, issue):
    """By the events, whatever the person's role is now (one query for an issue not primed)."""
    known = _known(user)
    if issue.pk not in known:
        note_took_part(user, [issue.pk])
    return known[issue.pk]


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
    """Verify or reject: a supervisor in scope — never a member of the responsible unit, never
    someone who took part in the rectification (by the events, whatever their role is now)."""
    if belongs_to_responsible_unit(user, issue):
        return False
    return supervises(user, issue) and not took_part(user, issue)


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


def forbidden_text(user, issue, action, label):
    """Why ``user`` may not take ``action`` (labelled ``label``) on ``issue``, in their words —
    the one text the service, the API and the pages give."""
    if action in ("verify", "reject") and not belongs_to_responsible_unit(user, issue) and took_part(user, issue):
        return _("您曾签收或提交过该问题的整改，不能核查自己经手的整改，请由其他督查人员核查。")
    return _("您没有权限对该问题执行“%(action)s”。") % {"action": label}
