"""Recording problems and deciding what becomes of them: inspections, issue creation, 立案
(accept), merge, dismiss and 改派 (assign)."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import CampaignStatus
from chuangcheng.exceptions import ApplicationError
from chuangcheng.servicekit import clean_text

from .. import deadlines, geo, permissions, tally
from ..models import (
    OPEN_STATES,
    Inspection,
    InspectionKind,
    Issue,
    IssueAction,
    IssueSource,
    IssueState,
    PhotoKind,
    Severity,
)
from ..selectors import recurrence_candidate, suggest_responsible_unit
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


def _check_in_campaign(campaign, region):
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError(_("创建活动“%(c)s”已结束，不能再登记。") % {"c": campaign.name}, field="campaign")
    if not region.path.startswith(campaign.region.path):
        raise ApplicationError(
            _("“%(r)s”不在创建活动“%(c)s”的区域内。") % {"r": region.name, "c": campaign.name}, field="region"
        )


@transaction.atomic
def inspection_create(*, actor, campaign, kind, date, region, inspectors=(), summary=""):
    """检查: start an inspection (the actor is an inspector unless others are named)."""
    if not permissions.can_create_inspection(actor, region):
        raise ApplicationError(_("您没有权限在该区域开展检查。"), code="forbidden")
    if kind not in InspectionKind.values:
        raise ApplicationError(_("未知的检查类型。"), field="kind")
    if date is None:
        raise ApplicationError(_("请填写检查日期。"), field="date")
    _check_in_campaign(campaign, region)
    # An inspector records issues in the region: only someone who could start this inspection.
    outsiders = [str(person) for person in inspectors if not permissions.can_create_inspection(person, region)]
    if outsiders:
        raise ApplicationError(
            _("%(names)s 不是该区域的督查人员，不能列为检查人员。") % {"names": "、".join(outsiders)},
            field="inspectors",
        )
    inspection = Inspection.objects.create(
        campaign=campaign, kind=kind, date=date, region=region, summary=(summary or "").strip(), created_by=actor
    )
    inspection.inspectors.set(list(inspectors) or [actor])
    return inspection


def _dispatch(issue, actor, unit, deadline, now):
    """Send the issue to ``unit``: sign-by time now; the rectification deadline is the
    supervisor's when given, else computed at 签收 (when the clock starts). Returns changes."""
    check_unit(unit)
    old_unit = issue.responsible_unit
    deadline = as_deadline(deadline, now=now)
    issue.responsible_unit = unit
    issue.assigned_at, issue.assigned_by = now, actor
    issue.sign_deadline = deadlines.sign_deadline(issue, now)
    issue.signed_at = None
    issue.rectification_deadline = deadline
    issue.deadline_set_by_supervisor = deadline is not None
    return {
        "responsible_unit": [old_unit.name if old_unit else None, unit.name],
        "responsible_unit_id": [old_unit.pk if old_unit else None, unit.pk],
        "sign_deadline": iso(issue.sign_deadline),
        "rectification_deadline": iso(deadline),
        "expected_limit": str(deadlines.rectification_limit(issue)),
    }


DISPATCH_FIELDS = [
    "responsible_unit",
    "assigned_at",
    "assigned_by",
    "sign_deadline",
    "signed_at",
    "rectification_deadline",
    "deadline_set_by_supervisor",
]


@transaction.atomic
def issue_create(
    *,
    actor,
    campaign,
    category,
    description,
    region=None,
    source=IssueSource.PATROL,
    severity=Severity.GENERAL,
    urgent=False,
    inspection=None,
    indicator=None,
    site=None,
    address="",
    latitude=None,
    longitude=None,
    photos=(),
    responsible_unit=None,
    assign=False,
    deadline=None,
    feedback_number="",
    feedback_order=None,
    client_key="",
):
    """登记: an inspector records a problem (→ reported, 待受理). When the inspector also gives a
    unit (or ``assign=True``: the suggested unit, 属地兜底), it is accepted and sent at once
    (→ assigned), which needs the right to accept. Before-photos are stored and checked; a
    closed issue of the category within 50 m in 30 days is stored as a possible recurrence."""
    client_key = (client_key or "").strip()[:64]
    if client_key and actor is not None:
        # The same record sent again (a phone that lost its network mid-send): the issue it made.
        earlier = Issue.objects.filter(created_by=actor, client_key=client_key).first()
        if earlier is not None:
            return earlier
    region = region or (site.region if site is not None else None)
    if region is None:
        raise ApplicationError(_("请选择问题所在区域。"), field="region")
    if not permissions.can_create_issue(actor, region):
        raise ApplicationError(_("您没有权限在该区域登记问题。"), code="forbidden")
    _check_in_campaign(campaign, region)
    if category is None:
        raise ApplicationError(_("请选择问题类别。"), field="category")
    if not category.is_active:
        raise ApplicationError(_("请选择有效的问题类别。"), field="category")
    description = clean_text(description, "description", _("请填写问题描述。"))
    if source not in IssueSource.values:
        raise ApplicationError(_("未知的问题来源。"), field="source")
    if severity not in Severity.values:
        raise ApplicationError(_("未知的严重程度。"), field="severity")
    if inspection is not None and inspection.campaign_id != campaign.pk:
        raise ApplicationError(_("该检查不属于此创建活动。"), field="inspection")
    if indicator is not None and campaign.standards.exists():
        if not campaign.standards.filter(pk=indicator.standard_id).exists():
            raise ApplicationError(_("该指标不在此创建活动的测评体系中。"), field="indicator")
    if latitude in (None, "") and longitude in (None, "") and site is not None and site.latitude is not None:
        latitude, longitude = site.latitude, site.longitude
    latitude, longitude = geo.check_location(campaign, latitude, longitude)
    processed = processed_photos(photos)
    now = timezone.now()
    issue = Issue(
        campaign=campaign,
        inspection=inspection,
        source=source,
        indicator=indicator,
        site=site,
        category=category,
        description=description,
        address=(address or "").strip()[:200],
        latitude=latitude,
        longitude=longitude,
        region=region,
        severity=severity,
        urgent=bool(urgent),
        feedback_number=(feedback_number or "")[:30],
        feedback_order=feedback_order,
        client_key=client_key,
        created_by=actor,
        created_at=now,
    )
    dispatching = assign or responsible_unit is not None
    if dispatching and not permissions.can_accept(actor, issue):
        raise ApplicationError(_("您可以登记问题，但没有权限直接交办。"), code="forbidden")
    unit = None
    if dispatching:
        unit = responsible_unit or suggest_responsible_unit(region, category, site=site)
        if unit is None:
            raise ApplicationError(_("未找到该区域的属地单位，请选择责任单位。"), field="responsible_unit")
        check_unit(unit)
        as_deadline(deadline, now=now)
    issue.possible_recurrence_of = recurrence_candidate(
        category_id=category.pk, latitude=latitude, longitude=longitude, now=now
    )
    try:
        with transaction.atomic():
            issue.save()
    except IntegrityError:
        # The same record arriving twice at once: the first one made it.
        earlier = Issue.objects.filter(created_by=actor, client_key=client_key).first() if client_key else None
        if earlier is None:
            raise
        return earlier
    event = write_event(
        issue,
        actor,
        IssueAction.CREATE,
        to_state=IssueState.REPORTED,
        changes={"possible_recurrence_of": issue.possible_recurrence_of_id} if issue.possible_recurrence_of_id else {},
    )
    store_photos(issue, event, actor, processed, PhotoKind.BEFORE)
    if unit is not None:
        changes = _dispatch(issue, actor, unit, deadline, now)
        issue.state = IssueState.ASSIGNED
        issue.save(update_fields=["state", *DISPATCH_FIELDS, "updated_at"])
        write_event(
            issue, actor, IssueAction.ACCEPT, from_state=IssueState.REPORTED, to_state=issue.state, changes=changes
        )
        notify(issue, "unit", actor=actor, title=_("新交办问题"), body=description)
    tally.created(issue)  # once, as it ends up: the new row is nobody else's yet
    return issue


@transaction.atomic
def issue_accept(*, actor, issue_id, responsible_unit=None, deadline=None, comment=""):
    """立案交办: a supervisor accepts a report and sends it to a unit — the one given, else the
    suggested one (the site's unit, the category's department, or 属地兜底)."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "accept")
    unit = responsible_unit or suggest_responsible_unit(issue.region, issue.category, site=issue.site)
    if unit is None:
        raise ApplicationError(_("未找到该区域的属地单位，请选择责任单位。"), field="responsible_unit")
    now = timezone.now()
    changes = _dispatch(issue, actor, unit, deadline, now)
    old_state, issue.state = issue.state, transition.target
    save_issue(issue, ["state", *DISPATCH_FIELDS, "updated_at"])
    write_event(
        issue,
        actor,
        IssueAction.ACCEPT,
        from_state=old_state,
        to_state=issue.state,
        comment=(comment or "").strip(),
        changes=changes,
    )
    notify(issue, transition.notifies, actor=actor, title=_("新交办问题"), body=issue.description)
    return issue


def _lock_pair(actor, first_id, second_id):
    """Lock two issues in id order (two merges crossing each other cannot deadlock)."""
    ordered = sorted([first_id, second_id])
    locked = {pk: locked_issue(actor, pk) for pk in ordered}
    return locked[first_id], locked[second_id]


@transaction.atomic
def issue_merge(*, actor, issue_id, target_id, comment=""):
    """合并: a report that repeats an open issue is closed as a duplicate of it (不予立案,
    ``merged_into``); both issues record the merge."""
    if target_id is None or int(target_id) == int(issue_id):
        raise ApplicationError(_("请选择要合并到的另一个问题。"), field="target")
    issue, target = _lock_pair(actor, int(issue_id), int(target_id))
    transition = check(actor, issue, "merge")
    if target.state not in OPEN_STATES:
        raise ApplicationError(
            _("问题 #%(t)s 已%(state)s，不能并入。") % {"t": target.pk, "state": target.get_state_display()},
            field="target",
        )
    if target.campaign_id != issue.campaign_id:
        raise ApplicationError(_("只能合并到同一创建活动的问题。"), field="target")
    comment = (comment or "").strip()
    old_state = issue.state
    issue.state, issue.merged_into = transition.target, target
    issue.dismiss_reason = _("与问题 #%(t)s 重复，已合并。") % {"t": target.pk} + (f" {comment}" if comment else "")
    save_issue(issue, ["state", "merged_into", "dismiss_reason", "updated_at"])
    write_event(
        issue,
        actor,
        IssueAction.MERGE,
        from_state=old_state,
        to_state=issue.state,
        comment=comment,
        changes={"merged_into": target.pk},
    )
    write_event(target, actor, IssueAction.MERGED_IN, comment=comment, changes={"merged": issue.pk})
    notify(issue, transition.notifies, actor=actor, title=_("问题已合并"), body=issue.dismiss_reason)
    return issue


@transaction.atomic
def issue_dismiss(*, actor, issue_id, reason):
    """不予立案: not a problem (or not ours to handle); the reason is kept and shown."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "dismiss")
    reason = clean_text(reason, "reason", _("不予立案时请填写理由。"))
    old_state = issue.state
    issue.state, issue.dismiss_reason = transition.target, reason
    save_issue(issue, ["state", "dismiss_reason", "updated_at"])
    write_event(issue, actor, IssueAction.DISMISS, from_state=old_state, to_state=issue.state, comment=reason)
    notify(issue, transition.notifies, actor=actor, title=_("问题不予立案"), body=reason)
    return issue


@transaction.atomic
def issue_assign(*, actor, issue_id, reason, responsible_unit=None, deadline=None):
    """改派: before the unit signs, a supervisor sends the issue to another unit and/or sets
    its deadline (with a reason). A new unit gets a new sign-by time."""
    issue = locked_issue(actor, issue_id)
    transition = check(actor, issue, "assign")
    reason = clean_text(reason, "reason", _("改派时请填写原因。"))
    if responsible_unit is None and deadline in (None, ""):
        raise ApplicationError(_("请选择新的责任单位或填写新的整改时限。"), field="responsible_unit")
    now = timezone.now()
    old_unit = issue.responsible_unit
    if responsible_unit is not None and responsible_unit.pk != issue.responsible_unit_id:
        changes = _dispatch(issue, actor, responsible_unit, deadline, now)
    else:
        new_deadline = as_deadline(deadline, now=now)
        changes = {"rectification_deadline": [iso(issue.rectification_deadline), iso(new_deadline)]}
        issue.rectification_deadline, issue.deadline_set_by_supervisor = new_deadline, True
    save_issue(issue, [*DISPATCH_FIELDS, "updated_at"])
    write_event(
        issue, actor, IssueAction.ASSIGN, from_state=issue.state, to_state=issue.state, comment=reason, changes=changes
    )
    notify(issue, transition.notifies, actor=actor, title=_("新交办问题"), body=reason)
    if old_unit is not None and old_unit.pk != issue.responsible_unit_id:
        notify(issue, "unit", actor=actor, title=_("问题已改派他单位"), body=reason, unit_id=old_unit.pk)
    return issue
