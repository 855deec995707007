"""Reads of the ledger that are more than a filter. Each starts from ``visible_to(user)``."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, DateField, DurationField, ExpressionWrapper, F, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chuangcheng import listpages
from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.org.home import Attention
from chuangcheng.org.models import Unit
from chuangcheng.org.selectors import offer_regions

from .filters import TaskFilter
from .models import Task, TaskAction, TaskEvent, TaskState, TaskUpdate

LAG_THRESHOLD = 20  # percentage points behind the linear plan count as "lagging" (滞后)

LIST_RELATED = ("campaign", "owner_unit", "lead_unit", "region", "parent")


def lag_annotations(today=None, threshold=LAG_THRESHOLD):
    """The two sides of :func:`lag_q`'s comparison, to annotate a task queryset with."""
    today = today or timezone.localdate()
    return {
        "_lag_lhs": ExpressionWrapper(
            (Value(today, output_field=DateField()) - F("start_date")) * 100, output_field=DurationField()
        ),
        "_lag_rhs": ExpressionWrapper(
            (F("deadline") - F("start_date")) * (F("progress") + threshold), output_field=DurationField()
        ),
    }


def lag_q(threshold=LAG_THRESHOLD):
    """Lagging (滞后), over tasks annotated with :func:`lag_annotations` — a filter or a count's
    condition (the figures count it with the other task figures in one read)."""
    return ~Q(state=TaskState.DONE) & Q(progress__lte=100 - threshold) & Q(_lag_lhs__gte=F("_lag_rhs"))


def lagging(queryset, *, today=None, value=True, threshold=LAG_THRESHOLD, among=None):
    """Keep (``value=True``) or drop the tasks lagging ``threshold`` points or more behind the
    linear plan — the same rule as :meth:`Task.lag`, in SQL; ``among`` (a Q): only those tasks
    can lag (the figures' measured tasks).

    expected − progress ≥ t  ⟺  100·elapsed ≥ (progress + t)·total, with progress ≤ 100 − t
    (expected never exceeds 100). Durations multiply portably on SQLite and PostgreSQL."""
    annotated = queryset.annotate(**lag_annotations(today, threshold))
    condition = lag_q(threshold)
    if among is not None:
        condition &= among
    return annotated.filter(condition) if value else annotated.exclude(condition)


def task_list(*, user, filters=None):
    """The ledger for ``user``: visible tasks, filtered, with what a list row needs."""
    queryset = Task.objects.visible_to(user).select_related(*LIST_RELATED)
    if filters is not None:
        queryset = TaskFilter(filters, queryset=queryset).qs
    return queryset.order_by("deadline", "id")


def filtered_ledger(*, user, query):
    """任务台账 as filtered by ``query`` (the page's query string): ``(filterset, tasks, states)``
    — for the page and for its export (within the request or by the export job), so both hold
    the same rows. :class:`TaskFilter` runs over :func:`task_list` (the person's scope) with its
    choices limited to what the person can see (an out-of-scope choice is ignored, never an
    error page). The state is applied last, so the same filtered list also gives the counts
    per state for the chips."""
    data, states = listpages.query_states(query, TaskState.values)
    filterset = TaskFilter(data, queryset=task_list(user=user))
    fields = filterset.form.fields
    campaigns = Campaign.objects.visible_to(user)
    fields["campaign"].queryset = campaigns.order_by("-start_date")
    fields["unit"].queryset = Unit.objects.visible_to(user).filter(is_active=True).order_by("level", "name")
    offer_regions(fields["region"], user, data.get("region"))
    fields["indicator"].queryset = (
        Indicator.objects.filter(standard__campaigns__in=campaigns).distinct().order_by("standard_id", "sort_key")
    )
    tasks = filterset.qs.filter(state__in=states) if states else filterset.qs
    return filterset, tasks, states


def state_counts(queryset):
    """{state: count} for a (filtered) ledger, plus 超期未完成 (the figure), in one query."""
    from .counting import state_counts as counts

    return counts(queryset)


def my_work(*, user):
    """我的待办: the open tasks of my units, overdue first, then by deadline."""
    unit_ids = user.scope.unit_ids
    return (
        Task.objects.filter(owner_unit_id__in=unit_ids)
        .exclude(state=TaskState.DONE)
        .select_related(*LIST_RELATED)
        .order_by("deadline", "-priority", "id")
    )


def review_queue(*, user):
    """待验收: submitted tasks this person may accept or return — a supervisor's (or admin's) in
    their scope, and those their unit leads (牵头) — never their own units' work."""
    scope = user.scope
    submitted = (
        Task.objects.visible_to(user)
        .filter(state=TaskState.SUBMITTED)
        .exclude(owner_unit_id__in=scope.unit_ids)
        .select_related(*LIST_RELATED)
    )
    if not (scope.sees_all or "supervisor" in scope.roles):
        submitted = submitted.filter(lead_unit_id__in=scope.unit_ids)
    return submitted.order_by("deadline", "id")


def leader_red_tasks(*, user):
    """A leader's 我的待办: overdue tasks in what they answer for (领导包保 districts and tasks,
    the tasks they are 责任领导 of), nearest deadline first. Empty for everyone else."""
    if "leader" not in user.scope.roles or user.scope.sees_all:
        return Task.objects.none()
    return Task.objects.visible_to(user).overdue().select_related(*LIST_RELATED).order_by("deadline", "id")


def decompose_targets(user, task):
    """The units ``user`` may split ``task`` to (任务分解): active units where they answer for
    the work — anywhere for a city-wide office; a supervisor's own subtrees (a district's
    supervisor sees the city's bureaus, but does not hand them work); a lead unit's staff, the
    task's region. Not a unit that already holds a sub-task of it (the task's own unit may keep
    a share: a bureau splitting a city task to the districts and to itself)."""
    scope = user.scope
    units = Unit.objects.filter(is_active=True)
    if not (scope.sees_all or scope.covers_all_regions):
        if "supervisor" in scope.roles and scope.region_paths:
            units = units.filter(scope.region_q("region__path"))
        elif task.region_id:
            units = units.filter(region__path__startswith=task.region.path)
    taken = Task.objects.filter(parent_id=task.pk).values("owner_unit_id")
    return units.exclude(pk__in=taken).select_related("parent").order_by("level", "name")


def is_reviewer(user):
    """Someone 我的待办 shows what waits for their decision (supervisors, admins, lead units)."""
    scope = user.scope
    return scope.sees_all or "supervisor" in scope.roles or review_queue(user=user).exists()


LIGHT_ORDER = ("red", "yellow", "green", "done")


@dataclass(frozen=True)
class Rollup:
    """A decomposed (or recurring) task's children at a glance."""

    total: int
    done: int
    overdue: int
    worst_lag: int
    light: str  # the worst child's traffic light (red > yellow > green > done)
    progress: int  # the children's mean progress (a done child counts 100)


@dataclass(frozen=True)
class Shown:
    """A task's figures as the ledger, its page and its export show them. A decomposed task is
    done through its sub-tasks: its progress is theirs on average, its lag their worst (what
    lights it), its state 已分解执行 — not its own never-reported 0 % and 未开始. A recurring
    series (常态化) is done round by round: ``series`` (its :class:`Rollup`) says how many
    rounds are done, and it has no percent (the rounds so far at 100 % are not the series
    nearly done)."""

    state_label: str
    progress: int | None
    lag: int
    series: Rollup | None


def shown(task, rollup, today):
    series = rollup if rollup and task.recurrence else None
    if rollup and task.state in (TaskState.PENDING, TaskState.IN_PROGRESS):  # 待验收 and 已完成 read as such
        state_label = _("常态化执行中") if series else _("已分解执行")
    else:
        state_label = str(TaskState(task.state).label)
    return Shown(
        state_label=state_label,
        progress=None if series else rollup.progress if rollup else task.progress,
        lag=rollup.worst_lag if rollup else task.lag(today),
        series=series,
    )


def task_rollups(task_ids, *, today=None):
    """``{parent_id: Rollup}`` for those of ``task_ids`` that have children — one query,
    however many parents and children (lag is :meth:`Task.lag`, the same rule everywhere)."""
    today = today or timezone.localdate()
    children = {}
    rows = Task.objects.filter(parent_id__in=list(task_ids)).only(
        "id", "parent_id", "state", "progress", "start_date", "deadline"
    )
    for child in rows.order_by():
        children.setdefault(child.parent_id, []).append(child)
    return {
        parent_id: Rollup(
            total=len(kids),
            done=sum(1 for k in kids if k.state == TaskState.DONE),
            overdue=sum(1 for k in kids if k.is_overdue(today)),
            worst_lag=max(k.lag(today) for k in kids),
            light=min((k.traffic_light(today) for k in kids), key=LIGHT_ORDER.index),
            progress=round(sum(100 if k.state == TaskState.DONE else k.progress for k in kids) / len(kids)),
        )
        for parent_id, kids in children.items()
    }


@dataclass
class TimelineEntry:
    """One step of a task's history: a :class:`TaskEvent`, with the :class:`TaskUpdate` (note,
    percent, attachments) that a report or submission wrote alongside it."""

    event: TaskEvent | None
    update: TaskUpdate | None = None
    attachments: list = field(default_factory=list)

    @property
    def at(self):
        return self.event.created_at if self.event else self.update.created_at

    @property
    def actor(self):
        return self.event.actor if self.event else self.update.author


def task_timeline(task):
    """The task's history, oldest first, in three queries (events, updates, attachments).

    ``task_report`` and ``task_submit`` write one update and one event together, so the n-th
    report/submit event pairs with the n-th update; an update without its event (none today)
    still shows on its own."""
    events = list(task.events.select_related("actor").order_by("created_at", "id"))
    updates = list(task.updates.select_related("author").order_by("created_at", "id"))
    files = {}
    for attachment in task.attachments.all():
        files.setdefault(attachment.update_id, []).append(attachment)
    entries, pending = [], list(updates)
    for event in events:
        entry = TimelineEntry(event=event)
        if event.action in (TaskAction.REPORT, TaskAction.SUBMIT) and pending:
            if pending[0].author_id == event.actor_id:
                entry.update = pending.pop(0)
                entry.attachments = files.get(entry.update.pk, [])
        entries.append(entry)
    entries += [TimelineEntry(event=None, update=u, attachments=files.get(u.pk, [])) for u in pending]
    return sorted(entries, key=lambda e: e.at)


TODO_SOON_DAYS = 3


def attention(user):
    """What waits for ``user`` among tasks (home.Attention lines; 我的待办 shows them all): my
    units' open tasks overdue and due within three days, the tasks 待验收 waiting for me, and a
    leader's overdue tasks. Their sum is the 我的待办 badge's share from tasks."""
    today = timezone.localdate()
    mine = my_work(user=user).filter(deadline__lte=today + dt.timedelta(days=TODO_SOON_DAYS)).order_by()
    counts = mine.aggregate(
        overdue=Count("id", filter=Q(deadline__lt=today)), soon=Count("id", filter=Q(deadline__gte=today))
    )
    url = reverse("tasks:my_work")  # at the section that holds them
    return [
        Attention("tasks_overdue", _("已超期的任务"), counts["overdue"], f"{url}#my-tasks", "danger"),
        Attention(
            "tasks_soon",
            ngettext("%(n)s 天内到期的任务", "%(n)s 天内到期的任务", TODO_SOON_DAYS) % {"n": TODO_SOON_DAYS},
            counts["soon"],
            f"{url}#my-tasks",
            "warning",
        ),
        Attention(
            "tasks_review",
            _("待我验收的任务"),
            review_queue(user=user).order_by().count(),
            f"{url}#review-tasks",
            "primary",
        ),
        Attention(
            "tasks_leader",
            _("包保的超期任务"),
            leader_red_tasks(user=user).order_by().count(),
            f"{url}#leader-tasks",
            "danger",
        ),
    ]
