"""The responsible unit's side and the supervisor's answers to it: 签收, 申请退回 → 改派 or
驳回, 申请延期 → 同意 or 不同意, 提交核查, 长期整改."""

import datetime as dt

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chuangcheng.exceptions import ApplicationError
from chuangcheng.humantime import day, when
from chuangcheng.org.workcalendar import deadline_after
from chuangcheng.servicekit import clean_text

from .. import deadlines
from ..models import IssueAction, PendingRequest, PhotoKind, ReassignmentReason
from ..selectors import submission_received
from .common import (
    as_deadline,
    check,
    check_unit,
    iso,
    locked_issue,
    notify,
    processed_photos,
    save_issue,
    store_photos,
    write_event,
)
from .intake import DISPATCH_FIELDS, _dispatch

# An extension may add at most this many working days to the current deadline (and never
# runs past the campaign's target inspection date).
MAX_EXTENSION_WORKING_DAYS = 10
# A long-term plan runs at most this long.
MAX_LONG_TERM = dt.timedelta(days=366)

REQUEST_FIELDS = ["pending_request", "request_reason", "requested_deadline"]


def _clear_request(issue):
    issue.pending_request, issue.request_reason, issue.requested_deadline = PendingRequest.NONE, "", None


@transaction.atomic
def issue_sign(*, actor, issue_id, comment=""):
    """签收: the unit acknowledges the issue; the rectification clock starts now. The deadline
    is the supervisor's if one was set, else category + severity + area class from now. Signing
    withdraws a pending 申请退回."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "sign")
    now = timezone.now()
    old_state, old_deadline = issue.state, issue.rectification_deadline
    changes = {}
    if issue.pending_request:
        changes["withdrawn_request"] = issue.pending_request
        _clear_request(issue)
    if not issue.deadline_set_by_supervisor or issue.rectification_deadline is None:
        limit = deadlines.rectification_limit(issue)
        issue.rectification_deadline = limit.deadline(now)
        changes["limit"] = str(limit)
    changes["rectification_deadline"] = [iso(old_deadline), iso(issue.rectification_deadline)]
    issue.state, issue.signed_at = transition.target, now
    save_issue(issue, ["state", "signed_at", "rectification_deadline", *REQUEST_FIELDS, "updated_at"])
    write_event(
        issue,
        actor,
        IssueAction.SIGN,
        from_state=old_state,
        to_state=issue.state,
        comment=(comment or "").strip(),
        changes=changes,
    )
    return issue


@transaction.atomic
def issue_request_reassignment(*, actor, issue_id, reason, comment, suggested_unit=None):
    """申请退回: the unit says the issue is not theirs (属地不符 / 权属不清) and why; a supervisor
    decides (改派 or 驳回). The sign-by clock keeps running meanwhile."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "request_reassignment")
    if reason not in ReassignmentReason.values:
        raise ApplicationError(_("请选择退回理由：属地不符或权属不清。"), field="reason")
    comment = clean_text(comment, "comment", _("请说明退回的具体原因。"))
    label = ReassignmentReason(reason).label
    issue.pending_request = PendingRequest.REASSIGNMENT
    issue.request_reason = f"{label}：{comment}"
    save_issue(issue, [*REQUEST_FIELDS, "updated_at"])
    changes = {"reason": reason}
    if suggested_unit is not None:
        changes.update(suggested_unit=suggested_unit.name, suggested_unit_id=suggested_unit.pk)
    write_event(
        issue,
        actor,
        IssueAction.REQUEST_REASSIGNMENT,
        from_state=issue.state,
        to_state=issue.state,
        comment=issue.request_reason,
        changes=changes,
    )
    notify(issue, transition.notifies, actor=actor, title=_("责任单位申请退回"), body=issue.request_reason)
    return issue


@transaction.atomic
def issue_reassign(*, actor, issue_id, responsible_unit, comment="", deadline=None):
    """同意退回并改派: the supervisor agrees and sends the issue to another unit, which must
    sign in its turn."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "reassign")
    check_unit(responsible_unit)
    if responsible_unit.pk == issue.responsible_unit_id:
        raise ApplicationError(_("新的责任单位与原单位相同；如不同意退回，请选择“驳回”。"), field="responsible_unit")
    old_unit_id = issue.responsible_unit_id
    changes = _dispatch(issue, actor, responsible_unit, deadline, timezone.now())
    changes["request"] = issue.request_reason
    _clear_request(issue)
    save_issue(issue, [*DISPATCH_FIELDS, *REQUEST_FIELDS, "updated_at"])
    write_event(
        issue,
        actor,
        IssueAction.REASSIGN,
        from_state=issue.state,
        to_state=issue.state,
        comment=(comment or "").strip(),
        changes=changes,
    )
    notify(issue, transition.notifies, actor=actor, title=_("新交办问题"), body=issue.description)
    notify(issue, "unit", actor=actor, title=_("退回申请已同意，问题已改派"), unit_id=old_unit_id)
    return issue


@transaction.atomic
def issue_insist(*, actor, issue_id, reason):
    """驳回退回申请: the issue stays with the unit, which must sign."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "insist")
    reason = clean_text(reason, "reason", _("驳回退回申请时请说明理由。"))
    changes = {"request": issue.request_reason}
    _clear_request(issue)
    save_issue(issue, [*REQUEST_FIELDS, "updated_at"])
    write_event(
        issue, actor, IssueAction.INSIST, from_state=issue.state, to_state=issue.state, comment=reason, changes=changes
    )
    notify(issue, transition.notifies, actor=actor, title=_("退回申请未获同意，请签收整改"), body=reason)
    return issue


def _check_extension(issue, value, now, *, deciding=False):
    """A new deadline after the current one, within MAX_EXTENSION_WORKING_DAYS working days
    of it and not past the campaign's target inspection date. ``deciding``: a supervisor
    approving a request the unit made in time, whose deadline has passed while it waited —
    the working days count from now, or every date would be refused (past, or too far)."""
    deadline = as_deadline(value, now=now)
    if deadline is None:
        raise ApplicationError(_("请填写延期后的整改时限。"), field="deadline")
    current = issue.rectification_deadline or now
    if deadline <= current:
        raise ApplicationError(_("延期后的时限应晚于当前整改时限。"), field="deadline")
    furthest = deadline_after(max(current, now) if deciding else current, days=MAX_EXTENSION_WORKING_DAYS)
    if deadline > furthest:
        raise ApplicationError(
            ngettext(
                "延期最多 %(n)s 个工作日（至 %(d)s）。",
                "延期最多 %(n)s 个工作日（至 %(d)s）。",
                MAX_EXTENSION_WORKING_DAYS,
            )
            % {"n": MAX_EXTENSION_WORKING_DAYS, "d": when(furthest)},
            field="deadline",
        )
    target = issue.campaign.target_date
    if timezone.localtime(deadline).date() > target:
        raise ApplicationError(_("延期不能超过迎检日期（%(d)s）。") % {"d": day(target)}, field="deadline")
    return deadline


@transaction.atomic
def issue_request_extension(*, actor, issue_id, reason, deadline):
    """申请延期: the unit asks for more time, with a reason and the deadline it needs. The
    current deadline stands until a supervisor approves."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "request_extension")
    reason = clean_text(reason, "reason", _("申请延期时请填写理由。"))
    now = timezone.now()
    requested = _check_extension(issue, deadline, now)
    issue.pending_request, issue.request_reason, issue.requested_deadline = PendingRequest.EXTENSION, reason, requested
    save_issue(issue, [*REQUEST_FIELDS, "updated_at"])
    write_event(
        issue,
        actor,
        IssueAction.REQUEST_EXTENSION,
        from_state=issue.state,
        to_state=issue.state,
        comment=reason,
        changes={"requested_deadline": iso(requested), "rectification_deadline": iso(issue.rectification_deadline)},
    )
    notify(issue, transition.notifies, actor=actor, title=_("责任单位申请延期"), body=reason)
    return issue


@transaction.atomic
def issue_approve_extension(*, actor, issue_id, deadline=None, comment=""):
    """同意延期: the deadline moves (to the requested one unless the supervisor gives another,
    under the same limits); counted in ``extension_count`` (延期率)."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "approve_extension")
    now = timezone.now()
    new_deadline = _check_extension(issue, deadline or issue.requested_deadline, now, deciding=True)
    old_deadline = issue.rectification_deadline
    changes = {
        "rectification_deadline": [iso(old_deadline), iso(new_deadline)],
        "extension_count": [issue.extension_count, issue.extension_count + 1],
        "request": issue.request_reason,
    }
    issue.rectification_deadline = new_deadline
    issue.extension_count += 1
    _clear_request(issue)
    save_issue(issue, ["rectification_deadline", "extension_count", *REQUEST_FIELDS, "updated_at"])
    write_event(
        issue,
        actor,
        IssueAction.APPROVE_EXTENSION,
        from_state=issue.state,
        to_state=issue.state,
        comment=(comment or "").strip(),
        changes=changes,
    )
    notify(
        issue,
        transition.notifies,
        actor=actor,
        title=_("延期申请已同意"),
        body=_("新的整改时限：%(d)s") % {"d": f"{timezone.localtime(new_deadline):%Y-%m-%d %H:%M}"},
    )
    return issue


@transaction.atomic
def issue_refuse_extension(*, actor, issue_id, reason):
    """不同意延期: the current deadline stands."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "refuse_extension")
    reason = clean_text(reason, "reason", _("不同意延期时请说明理由。"))
    changes = {"requested_deadline": iso(issue.requested_deadline), "request": issue.request_reason}
    _clear_request(issue)
    save_issue(issue, [*REQUEST_FIELDS, "updated_at"])
    write_event(
        issue,
        actor,
        IssueAction.REFUSE_EXTENSION,
        from_state=issue.state,
        to_state=issue.state,
        comment=reason,
        changes=changes,
    )
    notify(issue, transition.notifies, actor=actor, title=_("延期申请未获同意"), body=reason)
    return issue


@transaction.atomic
def issue_submit(*, actor, issue_id, measures, photos=(), client_key="", based_on=None):
    """提交核查: the unit says it is fixed, with the measures taken and after-photos — new ones,
    uploaded now or since the last submission (a rejected submission's photos do not count
    again). Each photo is checked against other issues' evidence and its EXIF time.
    ``client_key`` (the phone's key for this submission): sent again, it changes nothing.
    ``based_on`` (the last state change the person saw when they filled it in): a submission
    kept on a phone that arrives after the issue moved on (核查退回, 改派…) is refused, not
    applied to a state its author never saw."""
    issue = locked_issue(actor, issue_id)
    client_key = (client_key or "").strip()[:64]
    if client_key and submission_received(issue, actor, client_key):
        return issue
    moved_on = issue.events.filter(pk__gt=based_on or 0).exclude(to_state="").exclude(to_state=F("from_state"))
    if based_on is not None and moved_on.exists():
        raise ApplicationError(
            _("该问题在您填写之后已有变化（如已被核查退回或改派），这份提交没有生效：请刷新页面，核对后重新提交。"),
            code="conflict",
        )
    transition = check(actor, issue, "submit")
    measures = clean_text(measures, "measures", _("请填写整改措施。"))
    processed = processed_photos(photos)
    last_submit = issue.events.filter(action=IssueAction.SUBMIT).aggregate(last=Max("id"))["last"] or 0
    earlier = issue.photos.filter(kind=PhotoKind.AFTER, event_id__gt=last_submit).count()
    if not processed and not earlier:
        raise ApplicationError(_("提交核查须上传至少一张整改后的照片。"), field="photos")
    now = timezone.now()
    old_state = issue.state
    changes = {"photos": len(processed) + earlier}
    if client_key:
        changes["client_key"] = client_key
    if issue.pending_request:
        changes["withdrawn_request"] = issue.pending_request
        _clear_request(issue)
    issue.state, issue.submitted_at, issue.measures = transition.target, now, measures
    save_issue(issue, ["state", "submitted_at", "measures", *REQUEST_FIELDS, "updated_at"])
    event = write_event(
        issue, actor, IssueAction.SUBMIT, from_state=old_state, to_state=issue.state, comment=measures, changes=changes
    )
    store_photos(issue, event, actor, processed, PhotoKind.AFTER)
    notify(issue, transition.notifies, actor=actor, title=_("问题待核查"), body=measures)
    return issue


@transaction.atomic
def issue_move_long_term(*, actor, issue_id, plan, target_date):
    """转长期整改: cannot be fixed quickly; a plan and a target date replace the deadline
    (缓办: not counted as due in the period). The unit reports progress, then submits."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "move_long_term")
    plan = clean_text(plan, "plan", _("请填写长期整改方案。"))
    today = timezone.localdate()
    if target_date is None or isinstance(target_date, dt.datetime) or not isinstance(target_date, dt.date):
        raise ApplicationError(_("请填写长期整改目标日期。"), field="target_date")
    if target_date <= today:
        raise ApplicationError(_("目标日期应晚于今天。"), field="target_date")
    if target_date > today + MAX_LONG_TERM:
        raise ApplicationError(_("长期整改目标日期不能超过一年。"), field="target_date")
    old_state = issue.state
    issue.state, issue.long_term_plan, issue.long_term_target_date = transition.target, plan, target_date
    _clear_request(issue)
    save_issue(issue, ["state", "long_term_plan", "long_term_target_date", *REQUEST_FIELDS, "updated_at"])
    write_event(
        issue,
        actor,
        IssueAction.MOVE_LONG_TERM,
        from_state=old_state,
        to_state=issue.state,
        comment=plan,
        changes={"long_term_target_date": target_date.isoformat()},
    )
    notify(issue, transition.notifies, actor=actor, title=_("问题转为长期整改"), body=plan)
    return issue


@transaction.atomic
def issue_long_term_progress(*, actor, issue_id, note, photos=()):
    """长期整改进展: the unit reports how the plan goes (optionally with photos)."""
    issue = locked_issue(actor, issue_id)
    check(actor, issue, "long_term_progress")
    note = clean_text(note, "note", _("请填写整改进展。"))
    processed = processed_photos(photos)
    event = write_event(
        issue, actor, IssueAction.LONG_TERM_PROGRESS, from_state=issue.state, to_state=issue.state, comment=note
    )
    store_photos(issue, event, actor, processed, PhotoKind.EVIDENCE)
    return event
