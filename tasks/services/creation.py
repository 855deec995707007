"""Creating tasks: by hand (``task_create``), and the one validated constructor the
import, decomposition and the recurrence job share (``_create``)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.servicekit import clean_text

from .. import permissions
from ..models import Recurrence, Task, TaskAction
from .common import _event, _notify_unit

# --- creation ---------------------------------------------------------------------------------


@transaction.atomic
def task_create(*, actor, campaign, **fields):
    """Create a ledger task: admins and supervisors (the 创建办 builds the ledger)."""
    if not permissions.can_create(actor, campaign):
        raise ApplicationError(_("只有督查员和系统管理员可以新建任务。"), code="forbidden")
    task = _create(actor=actor, campaign=campaign, **fields)
    if not permissions.supervises(actor, task):
        # Raising rolls the whole creation back (task_create is atomic).
        raise ApplicationError(_("新任务的区域（或责任单位所在区域）不在您的管辖范围内。"), field="region")
    return task


def _create(
    *,
    actor,
    campaign,
    title,
    owner_unit,
    deadline,
    start_date=None,
    completion_standard="",
    lead_unit=None,
    cooperating_units=(),
    indicators=(),
    responsible_leader=None,
    responsible_leader_name="",
    contact_name="",
    contact_phone="",
    region=None,
    priority="normal",
    recurrence="",
    evidence_required=True,
    number="",
    parent=None,
    occurrence_date=None,
    event_action=TaskAction.CREATE,
    import_key="",
    notify=True,
):
    """Validate and create a task with its first event (callers have checked permission:
    ``task_create``, decomposition, the recurrence job and the import). ``notify=False``: the
    caller tells the owner unit itself (the import sends one digest per unit)."""
    title = clean_text(title, "title", _("请填写任务名称。"))
    start_date = start_date or timezone.localdate()
    if deadline is None:
        raise ApplicationError(_("请填写完成时限。"), field="deadline")
    if deadline < start_date:
        raise ApplicationError(_("完成时限不能早于开始日期。"), field="deadline")
    if recurrence not in Recurrence.values:
        raise ApplicationError(_("未知的常态化周期。"), field="recurrence")
    task = Task.objects.create(
        campaign=campaign,
        number=number,
        title=title,
        completion_standard=completion_standard,
        owner_unit=owner_unit,
        lead_unit=lead_unit,
        responsible_leader=responsible_leader,
        responsible_leader_name=responsible_leader_name,
        contact_name=contact_name,
        contact_phone=contact_phone,
        region=region,
        start_date=start_date,
        deadline=deadline,
        priority=priority,
        recurrence=recurrence,
        evidence_required=evidence_required,
        parent=parent,
        occurrence_date=occurrence_date,
        import_key=import_key,
        created_by=actor,
    )
    if cooperating_units:
        task.cooperating_units.set(cooperating_units)
    if indicators:
        task.indicators.set(indicators)
    _event(task, actor, event_action, to_state=task.state)
    if notify:
        _notify_unit(task, owner_unit.pk, _("新任务：%(t)s") % {"t": title}, _("完成时限 %(d)s") % {"d": deadline})
    return task
