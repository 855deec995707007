"""核查 and after: verify (销号), reject (返工), reopen (反弹). The verifier is never a member of
the unit that did the work (:func:`inspections.permissions.can_verify`)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.servicekit import clean_text

from .. import deadlines
from ..models import IssueAction, IssueState
from ..selectors import integrity_flags
from .common import (
    as_deadline,
    check,
    check_unit,
    iso,
    locked_issue,
    notify,
    refresh_duplicate_flags,
    save_issue,
    write_event,
)
from .intake import DISPATCH_FIELDS, _dispatch


@transaction.atomic
def issue_verify(*, actor, issue_id, comment=""):
    """核查销号: verified fixed; closed. The integrity flags the verifier saw (duplicate photos,
    EXIF before creation, possible recurrence) are re-checked and kept on the event."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "verify")
    refresh_duplicate_flags(issue)
    flags = [flag.as_dict() for flag in integrity_flags(issue)]
    now = timezone.now()
    old_state = issue.state
    issue.state, issue.closed_at, issue.closed_by = transition.target, now, actor
    save_issue(issue, ["state", "closed_at", "closed_by", "updated_at"])
    changes = {"on_time": bool(issue.rectification_deadline is None or now <= issue.rectification_deadline)}
    if flags:
        changes["integrity"] = flags
    write_event(
        issue,
        actor,
        IssueAction.VERIFY,
        from_state=old_state,
        to_state=issue.state,
        comment=(comment or "").strip(),
        changes=changes,
    )
    notify(issue, transition.notifies, actor=actor, title=_("问题已核查销号"))
    return issue


@transaction.atomic
def issue_reject(*, actor, issue_id, reason, deadline=None):
    """核查退回 (返工): not fixed; back to the unit with the reason, counted in
    ``rework_count`` (返工率). The deadline stands unless the verifier gives a new one."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "reject")
    reason = clean_text(reason, "reason", _("核查退回时请填写原因。"))
    new_deadline = as_deadline(deadline)
    old_state = issue.state
    changes = {"rework_count": [issue.rework_count, issue.rework_count + 1]}
    issue.state = transition.target
    issue.rework_count += 1
    if new_deadline is not None:
        changes["rectification_deadline"] = [iso(issue.rectification_deadline), iso(new_deadline)]
        issue.rectification_deadline = new_deadline
    save_issue(issue, ["state", "rework_count", "rectification_deadline", "updated_at"])
    write_event(
        issue, actor, IssueAction.REJECT, from_state=old_state, to_state=issue.state, comment=reason, changes=changes
    )
    notify(issue, transition.notifies, actor=actor, title=_("问题核查未通过，请返工"), body=reason)
    return issue


@transaction.atomic
def issue_reopen(*, actor, issue_id, reason, responsible_unit=None, deadline=None):
    """反弹重办: a closed issue is back, counted in ``recurrence_count``. The same unit goes
    straight back to rectifying with a fresh deadline from now (it signed before); another
    unit gets it as a new assignment and must sign."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "reopen")
    reason = clean_text(reason, "reason", _("反弹重办时请说明情况。"))
    now = timezone.now()
    old_state = issue.state
    changes = {"recurrence_count": [issue.recurrence_count, issue.recurrence_count + 1]}
    other_unit = responsible_unit is not None and responsible_unit.pk != issue.responsible_unit_id
    if other_unit:
        check_unit(responsible_unit)
        changes.update(_dispatch(issue, actor, responsible_unit, deadline, now))
        issue.state = IssueState.ASSIGNED
    else:
        new_deadline = as_deadline(deadline, now=now)
        old_deadline = issue.rectification_deadline
        issue.rectification_deadline = new_deadline or deadlines.rectification_deadline(issue, now)
        issue.deadline_set_by_supervisor = new_deadline is not None
        changes["rectification_deadline"] = [iso(old_deadline), iso(issue.rectification_deadline)]
        issue.state = transition.target
    issue.recurrence_count += 1
    issue.closed_at = issue.closed_by = None
    save_issue(issue, ["state", "recurrence_count", "closed_at", "closed_by", *DISPATCH_FIELDS, "updated_at"])
    write_event(
        issue, actor, IssueAction.REOPEN, from_state=old_state, to_state=issue.state, comment=reason, changes=changes
    )
    notify(issue, transition.notifies, actor=actor, title=_("问题反弹，请重新整改"), body=reason)
    return issue
