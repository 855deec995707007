"""Template helpers of the ledger pages: they wrap the views' predicates and the workflow
table, never re-implement them."""

import datetime as dt

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tasks import permissions
from tasks.services import ACTION_LABELS

register = template.Library()

# The submit button of each action's form (the heading is the action's own label).
BUTTONS = {
    "report": (_("报送"), "btn-primary"),
    "submit": (_("提交验收"), "btn-primary"),
    "accept": (_("验收通过"), "btn-success"),
    "return": (_("退回"), "btn-danger"),
    "change_deadline": (_("调整时限"), "btn-primary"),
    "reassign": (_("调整责任单位"), "btn-primary"),
    "instruct": (_("发送批示"), "btn-warning"),
    "decompose": (_("分解任务"), "btn-primary"),
}


@register.simple_tag(takes_context=True)
def ledger_nav(context):
    """Which ledger entries the top navigation shows for the signed-in person."""
    from tasks.views import can_view_ledger

    user = context["request"].user
    if not user.is_authenticated:
        return {}
    return {"ledger": can_view_ledger(user), "import": permissions.can_create(user, None)}


@register.simple_tag
def action_url(action, task):
    return reverse(f"tasks:{action}", args=[task.pk])


@register.simple_tag
def action_form_url(action, task):
    return reverse(f"tasks:{action}_form", args=[task.pk])


@register.filter
def action_label(action):
    return ACTION_LABELS.get(action, action)


@register.filter
def action_button(action):
    return BUTTONS.get(action, (action, ""))[0]


@register.filter
def action_button_class(action):
    return BUTTONS.get(action, ("", "btn-primary"))[1]


@register.filter
def change_lines(event):
    """The values a timeline event changed, as (label, old, new) lines a person reads."""
    if not event or not event.changes:
        return []
    changes, lines = event.changes, []
    if "progress" in changes and changes["progress"][0] != changes["progress"][1]:
        old, new = changes["progress"]
        lines.append({"label": _("完成进度"), "old": f"{old}%", "new": f"{new}%"})
    if "deadline" in changes:
        old, new = changes["deadline"]
        lines.append({"label": _("完成时限"), "old": _day(old), "new": _day(new)})
    if "owner_unit" in changes:
        old, new = changes["owner_unit"]
        lines.append({"label": _("责任单位"), "old": old, "new": new})
    if "children" in changes:
        children = changes["children"]
        count = len(children) if isinstance(children, list) else children
        lines.append({"label": _("分解子任务"), "old": None, "new": _("%(n)s 个") % {"n": count}})
    if "occurrence" in changes:
        lines.append({"label": _("本期开始"), "old": None, "new": _day(changes["occurrence"])})
    return lines


def _day(value):
    """An ISO date kept in an event's changes, as a date (shown as the page shows dates)."""
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
