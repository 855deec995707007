"""Writing a checked 任务分解表: the tasks, their decomposition, one digest notice per unit.

Idempotent by data: every task carries its row's import key (children: the key and the unit)
under a unique constraint per campaign, and rows whose key exists are skipped — a re-import of
the same file adds nothing, and two confirms racing each other cannot both write a row.
"""

from collections import Counter

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.notifications.services import Message, deliveries_create
from chuangcheng.org.models import AliasSource, Membership, Role
from chuangcheng.org.services import unit_alias_remember
from chuangcheng.tabular import ImportErrors

from .. import permissions
from ..models import TaskAction
from ..services import _carried_by_parts, _create
from .plan import plan_tasks

PROGRESS_EVERY = 25


def _common(p, *, actor, campaign):
    return {
        "actor": actor,
        "campaign": campaign,
        "completion_standard": p.completion_standard,
        "indicators": p.indicators,
        "responsible_leader": p.leader,
        "responsible_leader_name": p.leader_text,
        "contact_name": p.contact_name,
        "contact_phone": p.contact_phone,
        "start_date": p.start_date,
        "deadline": p.deadline.date,
        "recurrence": p.recurrence,
        "event_action": TaskAction.IMPORT,
        "notify": False,
    }


def _write_row(p, *, actor, campaign, owners_told):
    """Create the row's task (and its per-unit children). Returns the number of tasks."""
    common = _common(p, actor=actor, campaign=campaign)
    units = p.owner_units
    if len(units) == 1:
        _create(
            number=p.number,
            title=p.title,
            owner_unit=units[0],
            lead_unit=p.lead_unit,
            cooperating_units=p.cooperating_units,
            region=p.region,
            import_key=p.key,
            **common,
        )
        owners_told[units[0].pk] += 1
        return 1
    parent = _create(
        number=p.number,
        title=p.title,
        owner_unit=p.lead_unit or units[0],
        lead_unit=p.lead_unit,
        cooperating_units=p.cooperating_units,
        region=p.region,
        import_key=p.key,
        **{**common, "recurrence": ""},  # the parent tracks the whole; its children recur
    )
    for unit in units:
        _create(
            title=f"{p.title}（{unit.name}）",
            owner_unit=unit,
            lead_unit=p.lead_unit or parent.owner_unit,
            region=unit.region if p.region_from_unit else p.region,
            parent=parent,
            import_key=f"{p.key}/{unit.pk}",
            **common,
        )
        owners_told[unit.pk] += 1
    _carried_by_parts(parent, actor, TaskAction.DECOMPOSE, changes={"children": len(units)})
    return 1 + len(units)


def _digest(owners_told, *, filename, window):
    """One notice per unit ("新任务 N 项"), all written with one call: in-app at once, and one
    broker message for the whole batch's other channels (not one per task)."""
    if not owners_told:
        return []
    people = Membership.objects.filter(
        unit_id__in=list(owners_told), role__in=[Role.STAFF, Role.UNIT_HEAD], user__is_active=True
    ).select_related("user", "unit")
    url = reverse("tasks:my_work")
    messages, seen = [], set()
    for membership in people:
        key = (membership.user_id, membership.unit_id)
        if key in seen:
            continue
        seen.add(key)
        count = owners_told[membership.unit_id]
        messages.append(
            Message(
                recipient=membership.user,
                kind="task",
                subject_key=f"task-import:{window}:unit:{membership.unit_id}",
                window=window,
                title=_("新任务 %(n)s 项：%(unit)s") % {"n": count, "unit": membership.unit.name},
                body=_("导入任务分解表“%(f)s”，%(unit)s 有 %(n)s 项新任务，请在“我的待办”中查看。")
                % {"f": filename, "unit": membership.unit.name, "n": count},
                url=url,
            )
        )
    return deliveries_create(messages)


def import_tasks(
    source,
    *,
    campaign,
    actor,
    filename=None,
    dry_run=False,
    allow_unlinked_leaders=False,
    progress=None,
    window=None,
    today=None,
):
    """Check every row, then (unless ``dry_run``) create the tasks in one transaction.

    Confirmed matches the preview inferred (住建局 → 郑州市住房和城乡建设局) are remembered as the
    units' aliases. ``progress(done, total)`` is called every few rows; ``window`` names the
    digest notices (one per unit per import)."""
    if actor is not None and not permissions.can_create(actor, campaign):
        raise ImportErrors([(None, _("只有督查员和系统管理员可以导入任务分解表。"))])
    plan = plan_tasks(
        source, campaign=campaign, filename=filename, allow_unlinked_leaders=allow_unlinked_leaders, today=today
    )
    if dry_run:
        return plan
    owners_told = Counter()
    try:
        with transaction.atomic():
            for done, p in enumerate(plan.rows, start=1):
                if p.duplicate:
                    plan.skipped += 1
                else:
                    plan.created += _write_row(p, actor=actor, campaign=campaign, owners_told=owners_told)
                if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(plan.rows)):
                    progress(done, len(plan.rows))
            for text, unit in plan.inferred:
                unit_alias_remember(unit=unit, name=text, source=AliasSource.CONFIRMED)
            window = window or f"import:{timezone.now():%Y%m%dT%H%M%S%f}"
            _digest(owners_told, filename=filename or "", window=window)
    except IntegrityError:
        # Another import wrote the same rows after this one checked them (the unique import
        # key stopped the second copy): nothing of this one is kept.
        raise ImportErrors(
            [(None, _("这些任务刚刚已由另一次导入写入，本次未写入任何数据。请打开任务台账查看。"))]
        ) from None
    return plan
