"""Every write of the accountability record: one keyword-only function per action, each in one
transaction, checked against :mod:`accountability.permissions`, telling the people concerned
through the outbox. A 约谈's follow-up date becomes a ledger task through
:func:`tasks.services.task_create` (same transaction: both or neither).

Nothing here is automatic: rules only *suggest* a 约谈 (:func:`accountability.selectors.suggestions`);
a person records it.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.services import notice_send, unit_people
from chuangcheng.org.models import UnitKind
from chuangcheng.servicekit import clean_text
from chuangcheng.uploads import DOCUMENT_TYPES, IMAGE_TYPES, check_upload, stored_name
from tasks.services import task_create

from . import permissions
from .models import Commendation, Decision, DecisionKind, Interview

FOLLOW_UP_PRIORITY = "high"


def _check_office(actor, campaign):
    if not permissions.can_record(actor, campaign):
        raise ApplicationError(_("只有创建办督查员和系统管理员可以登记约谈、问责和表扬。"), code="forbidden")


def _same_campaign(campaign, field, objects):
    """Grounds must belong to the campaign the record is about."""
    objects = list(objects or [])
    if any(o.campaign_id != campaign.pk for o in objects):
        raise ApplicationError(_("所选依据不属于本创建活动。"), field=field)
    return objects


def _grounds_indicators(issues, tasks):
    """The indicators the grounds are about: the follow-up task is filed against them."""
    found = {issue.indicator for issue in issues if issue.indicator_id}
    for task in tasks:
        found.update(task.indicators.all())
    return sorted(found, key=lambda indicator: indicator.sort_key)


def _notify_heads(unit, title, body, url):
    """约谈 and 问责 go to the unit's head, not its staff (the record is restricted)."""
    notice_send(
        recipients=unit_people([unit.pk], roles=("unit_head",)),
        title=title,
        body=body,
        url=url,
        kind="accountability",
        subject_key=f"unit:{unit.pk}",
    )


@transaction.atomic
def interview_record(
    *,
    actor,
    campaign,
    unit,
    held_at,
    interviewee,
    interviewers,
    reason,
    commitment="",
    follow_up_date=None,
    issues=(),
    tasks=(),
    briefings=(),
    suggested_by="",
    indicators=None,
):
    """登记约谈. With a follow-up date, the unit gets a ledger task due that day whose completion
    standard is its 整改承诺 (created by the same person, in the same transaction), against
    ``indicators`` — by default those of the grounds (its issues' and tasks' indicators)."""
    _check_office(actor, campaign)
    interviewee = clean_text(interviewee, "interviewee", _("请填写约谈对象。"), max_length=100)
    interviewers = clean_text(interviewers, "interviewers", _("请填写约谈人。"), max_length=200)
    reason = clean_text(reason, "reason", _("请填写约谈事由。"))
    commitment = clean_text(commitment, "commitment", "", required=False)
    if held_at is None:
        raise ApplicationError(_("请填写约谈时间。"), field="held_at")
    if held_at > timezone.now():
        raise ApplicationError(_("约谈时间不能晚于现在：请在约谈之后登记。"), field="held_at")
    if follow_up_date is not None and follow_up_date < timezone.localtime(held_at).date():
        raise ApplicationError(_("整改时限不能早于约谈日期。"), field="follow_up_date")
    if follow_up_date is not None and not commitment:
        raise ApplicationError(_("设置整改时限时请填写单位的整改承诺。"), field="commitment")
    issues = _same_campaign(campaign, "issues", issues)
    tasks = _same_campaign(campaign, "tasks", tasks)
    briefings = _same_campaign(campaign, "briefings", briefings)
    interview = Interview.objects.create(
        campaign=campaign,
        unit=unit,
        interviewee=interviewee,
        interviewers=interviewers,
        held_at=held_at,
        reason=reason,
        commitment=commitment,
        follow_up_date=follow_up_date,
        suggested_by=suggested_by or "",
        recorded_by=actor,
    )
    interview.issues.set(issues)
    interview.tasks.set(tasks)
    interview.briefings.set(briefings)
    if follow_up_date is not None:
        task = task_create(
            actor=actor,
            campaign=campaign,
            title=_("约谈整改：%(u)s（%(d)s 约谈）") % {"u": unit.name, "d": f"{timezone.localtime(held_at):%Y-%m-%d}"},
            owner_unit=unit,
            deadline=follow_up_date,
            start_date=min(timezone.localdate(), follow_up_date),
            completion_standard=commitment,
            region=unit.region if unit.kind == UnitKind.TERRITORIAL else None,
            priority=FOLLOW_UP_PRIORITY,
            indicators=_grounds_indicators(issues, tasks) if indicators is None else list(indicators),
        )
        interview.follow_up_task = task
        interview.save(update_fields=["follow_up_task"])
    _notify_heads(
        unit,
        _("约谈记录：%(u)s") % {"u": unit.name},
        reason,
        reverse("accountability:interview", args=[interview.pk]),
    )
    return interview


def _decimal(value, field):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ApplicationError(_("请填写数字。"), field=field) from None
    if number <= 0:
        raise ApplicationError(_("应为大于零的数。"), field=field)
    return number


@transaction.atomic
def decision_record(
    *,
    actor,
    campaign,
    kind,
    unit,
    decided_on,
    decided_by,
    description,
    person_name="",
    document_number="",
    document=None,
    points=None,
    amount=None,
    issues=(),
    tasks=(),
    briefings=(),
    interviews=(),
):
    """登记问责决定. 扣分 needs its points, 扣罚经费 its amount; the document (PDF, Word or a
    scan) is checked by its content and stored under a server-generated name."""
    _check_office(actor, campaign)
    if kind not in DecisionKind.values:
        raise ApplicationError(_("未知的问责方式。"), field="kind")
    if decided_on is None:
        raise ApplicationError(_("请填写决定日期。"), field="decided_on")
    if decided_on > timezone.localdate():
        raise ApplicationError(_("决定日期不能晚于今天。"), field="decided_on")
    decided_by = clean_text(decided_by, "decided_by", _("请填写决定机关。"), max_length=100)
    description = clean_text(description, "description", _("请填写问责事由。"))
    person_name = clean_text(person_name, "person_name", "", required=False, max_length=100)
    document_number = clean_text(document_number, "document_number", "", required=False, max_length=60)
    points, amount = _decimal(points, "points"), _decimal(amount, "amount")
    if kind == DecisionKind.DEDUCTION and points is None:
        raise ApplicationError(_("“扣分”须填写扣分分值。"), field="points")
    if kind == DecisionKind.FINE and amount is None:
        raise ApplicationError(_("“扣罚经费”须填写扣罚金额。"), field="amount")
    if kind != DecisionKind.DEDUCTION:
        points = None
    if kind != DecisionKind.FINE:
        amount = None
    interviews = list(interviews or [])
    if any(i.campaign_id != campaign.pk for i in interviews):
        raise ApplicationError(_("所选依据不属于本创建活动。"), field="interviews")
    issues = _same_campaign(campaign, "issues", issues)
    tasks = _same_campaign(campaign, "tasks", tasks)
    briefings = _same_campaign(campaign, "briefings", briefings)
    checked = check_upload(document, allowed=DOCUMENT_TYPES | IMAGE_TYPES, field="document") if document else None
    decision = Decision(
        campaign=campaign,
        kind=kind,
        unit=unit,
        person_name=person_name,
        decided_on=decided_on,
        decided_by=decided_by,
        document_number=document_number,
        points=points,
        amount=amount,
        description=description,
        recorded_by=actor,
    )
    if checked:
        extension, mime = checked
        document.seek(0)
        decision.document_name = (getattr(document, "name", "") or "")[:200]
        decision.document_type = mime
        decision.document.save(stored_name(extension), document, save=False)
    decision.save()
    decision.issues.set(issues)
    decision.tasks.set(tasks)
    decision.briefings.set(briefings)
    decision.interviews.set(interviews)
    _notify_heads(
        unit,
        _("问责决定：%(k)s（%(u)s）") % {"k": decision.get_kind_display(), "u": unit.name},
        description,
        reverse("accountability:decision", args=[decision.pk]),
    )
    return decision


@transaction.atomic
def commendation_record(*, actor, campaign, reason, commended_on, unit=None, person_name="", document_number=""):
    """登记通报表扬 of a unit or a person (or a person of a unit)."""
    _check_office(actor, campaign)
    person_name = clean_text(person_name, "person_name", "", required=False, max_length=100)
    if unit is None and not person_name:
        raise ApplicationError(_("请选择表扬的单位或填写个人姓名。"), field="unit")
    reason = clean_text(reason, "reason", _("请填写表扬事由。"))
    if commended_on is None:
        raise ApplicationError(_("请填写表扬日期。"), field="commended_on")
    commendation = Commendation.objects.create(
        campaign=campaign,
        unit=unit,
        person_name=person_name,
        reason=reason,
        commended_on=commended_on,
        document_number=clean_text(document_number, "document_number", "", required=False, max_length=60),
        recorded_by=actor,
    )
    if unit is not None:
        notice_send(
            recipients=unit_people([unit.pk]),
            title=_("通报表扬：%(w)s") % {"w": person_name or unit.name},
            body=reason,
            url=reverse("accountability:list") + "?tab=commendations",
            kind="accountability",
            subject_key=f"unit:{unit.pk}",
        )
    return commendation
