"""What every ledger page shares: the task row with its derived figures, the scoped task
lookup, and how a refusal is shown (a page, a card, or an alert)."""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from chuangcheng import pages
from chuangcheng.exceptions import ApplicationError

from .. import permissions, selectors, services
from ..models import Task, TaskState
from ..workflow import TRANSITIONS, allowed_actions

PAGE_SIZE = 50
ROW_RELATED = ("campaign", "owner_unit__region", "lead_unit", "region", "parent")
DETAIL_RELATED = (*ROW_RELATED, "responsible_leader")
LIGHT_COLORS = {"green": "green", "yellow": "yellow", "red": "red", "done": "secondary"}
STATE_COLORS = {
    TaskState.PENDING: "secondary",
    TaskState.IN_PROGRESS: "blue",
    TaskState.SUBMITTED: "orange",
    TaskState.DONE: "green",
}


can_view_ledger = permissions.can_view_ledger


LIGHT_LABELS = {
    "green": gettext_lazy("正常"),
    "yellow": gettext_lazy("预警"),
    "red": gettext_lazy("超期"),
    "done": gettext_lazy("已完成"),
}
# A decomposed (or recurring) task's light is its children's worst, as the figures count it
# (the parent itself is not measured): its label says so, since its own deadline may be far.
ROLLUP_LIGHT_LABELS = {
    "green": gettext_lazy("子任务正常"),
    "yellow": gettext_lazy("子任务预警"),
    "red": gettext_lazy("子任务超期"),
    "done": gettext_lazy("子任务均已完成"),
}


@dataclass
class TaskRow:
    """A task with the figures shown wherever it is (all computed for one "today")."""

    task: Task
    today: object
    actions: tuple = ()
    rollup: selectors.Rollup | None = None

    def __post_init__(self):
        t, today = self.task, self.today
        self.light = self.rollup.light if self.rollup else t.traffic_light(today)
        self.days_left = t.days_left(today)
        self.expected = t.expected_progress(today)
        shown = selectors.shown(t, self.rollup, today)  # a decomposed task's, through its sub-tasks
        self.state_label, self.progress, self.lag, self.series = (
            shown.state_label,
            shown.progress,
            shown.lag,
            shown.series,
        )
        self.overdue = t.is_overdue(today)

    @property
    def light_color(self):
        return LIGHT_COLORS[self.light]

    @property
    def bar_color(self):
        """The progress bar's: green when done, red or yellow by the lag — a decomposed task's by
        its light (its mean may be ahead while one sub-task lags: the bar is not red then)."""
        if self.task.state == TaskState.DONE:
            return "green"
        if self.rollup:
            return {"red": "red", "yellow": "yellow"}.get(self.light, "primary")
        return "red" if self.lag >= 20 else "yellow" if self.lag else "primary"

    @cached_property
    def light_label(self):
        return str((ROLLUP_LIGHT_LABELS if self.rollup else LIGHT_LABELS)[self.light])

    @property
    def light_beside_done_badge(self):
        """The light says 已完成 next to a state badge that already says it."""
        return self.light == "done" and self.task.state == TaskState.DONE

    @cached_property
    def detail_url(self):
        return reverse("tasks:detail", args=[self.task.pk])

    @property
    def state_color(self):
        if self.rollup and self.task.state != TaskState.DONE:
            return "azure"
        return STATE_COLORS[self.task.state]

    @property
    def overdue_days(self):
        return max(-self.days_left, 0) if self.overdue else 0

    @cached_property
    def deadline_text(self):
        if self.task.state == TaskState.DONE:
            # The state badge beside it says 已完成: this says how it stood to the deadline
            # (完成 is the acceptance, as the 任务按期完成率 counts it).
            done_at = self.task.done_at
            if done_at is None:
                return _("已完成")
            late = (timezone.localtime(done_at).date() - self.task.deadline).days
            if late <= 0:
                return _("按期完成")
            return ngettext("超期 %(n)s 天验收", "超期 %(n)s 天验收", late) % {"n": late}
        if self.overdue:
            n = -self.days_left
            return ngettext("超期 %(n)s 天", "超期 %(n)s 天", n) % {"n": n}
        if self.days_left == 0:
            return _("今天到期")
        return ngettext("剩余 %(n)s 天", "剩余 %(n)s 天", self.days_left) % {"n": self.days_left}

    @cached_property
    def lag_text(self):
        if self.rollup:
            return ngettext("子任务最大滞后 %(n)s 个百分点", "子任务最大滞后 %(n)s 个百分点", self.lag) % {
                "n": self.lag
            }
        return ngettext("滞后 %(n)s 个百分点", "滞后 %(n)s 个百分点", self.lag) % {"n": self.lag}


def _rows(tasks, *, user=None, rollups=None):
    today = timezone.localdate()
    rollups = rollups or {}
    return [
        TaskRow(task=t, today=today, actions=allowed_actions(user, t) if user else (), rollup=rollups.get(t.pk))
        for t in tasks
    ]


def _visible_task(user, pk, related=DETAIL_RELATED):
    return get_object_or_404(Task.objects.visible_to(user).select_related(*related), pk=pk)


# --- refusals ------------------------------------------------------------------------------------


def _precheck(user, task, action):
    """The refusal a person gets for an action the workflow table does not allow them now
    (``None`` when allowed). The service checks again under the row lock."""
    if action in allowed_actions(user, task):
        return None
    label = services.ACTION_LABELS[action]
    if task.state not in TRANSITIONS[action].sources:
        return ApplicationError(
            _("任务当前状态为“%(state)s”，不能%(action)s。")
            % {"state": services.STATE_LABELS[task.state], "action": label},
            code="conflict",
        )
    return ApplicationError(permissions.forbidden_text(user, task, action, label), code="forbidden")


def _alert(error):
    """What a refusal looks like on a page: a heading and the service's words."""
    if error.code == "conflict":
        return {"level": "warning", "title": _("任务状态已变化，请刷新"), "message": error.message}
    return {"level": "danger", "title": _("无法执行该操作"), "message": error.message}


def message_page(request, *, status, alert, task=None):
    """A refusal as a page of its own (403, 409), with the way back."""
    links = [pages.link(reverse("tasks:detail", args=[task.pk]), _("返回任务页面"), primary=True)] if task else []
    links.append(pages.link(reverse("tasks:my_work"), _("我的待办")))
    return pages.message_page(request, status=status, alert=alert, links=links)


def _refused(request, task, error, *, partial="card"):
    if error.code == "not_found":
        raise Http404(error.message)
    if not request.htmx:
        return message_page(request, status=error.status_code, alert=_alert(error), task=task)
    if partial == "card":
        return _card(request, task.pk, alert=_alert(error), status=error.status_code)
    return render(request, "tasks/partials/_alert.html", {"alert": _alert(error)}, status=error.status_code)


def _card(request, pk, *, form=None, alert=None, notice="", status=200):
    """The 我的待办 card of a task, read afresh (after a change, or to show a refusal), with
    the page's summary line swapped out of band."""
    task = _visible_task(request.user, pk, related=ROW_RELATED)
    context = {
        "row": _rows([task], user=request.user)[0],
        "form": form,
        "alert": alert,
        "notice": notice,
        "counts": selectors.state_counts(selectors.my_work(user=request.user)),
    }
    return render(request, "tasks/partials/_card_response.html", context, status=status)
