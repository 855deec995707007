"""The reminder pass (DESIGN §2 "Reminders"): what is due soon, has just passed its deadline or
is overdue long enough to escalate becomes delivery rows — never a Celery ETA per deadline.

Rules come from ``settings.REMINDER_RULES``. Each rule is a *window* over the deadline, turned
into one indexed range condition on the deadline column, so a pass reads only the rows in it:

- tasks (deadline is a date): T-3 while 2–3 days are left, T-1 from 1 day left to the day itself;
- issues (deadline is a moment, clock running: assigned/rectifying): by severity, e.g. 负面清单
  T-4h in [now+1h, now+4h), T-1h in [now, now+1h); the others T-24h in [now, now+24h);
- 签收超时: an issue assigned but not signed by its sign-by time, once, to the unit and whoever
  assigned it (the rectification clock only starts at 签收);
- overdue, by days overdue (calendar days in Asia/Shanghai): each step runs until the next one
  starts; the last one for ``catch_up_days`` more (a pass missed while the worker was down is
  made up, an item overdue for months is not re-read every five minutes).

Only the step the item is in now is sent (an item first seen at T-1 gets T-1, not T-3 too). The
window string carries the deadline ("2026-11-23T17:30/T-1h"), so an extended deadline re-arms
its reminders. Uniqueness of (recipient, subject, kind, window, channel) makes a re-run free.

Tasks and issues sit above this app, so their models are read through the app registry (no
import), and their own querysets (``open()``, ``overdue()``) say what "still owed" means.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.org.models import LeaderAssignment, Membership, User

from .services import Message, _existing_keys, deliveries_create

UNIT_ROLES = ("staff", "unit_head")


@dataclass
class Due:
    """One item inside one rule's window, before its recipients are known."""

    rule: str
    kind: str
    to: tuple
    subject_key: str
    window: str
    title: str
    body: str
    url: str
    unit_id: int | None
    campaign_id: int
    region_path: str
    site_id: int | None = None
    task_id: int | None = None
    leader_ids: tuple = ()
    supervisor_id: int | None = None
    urgent: bool = False  # sent on its own even when the rest is folded into a digest


def _start_of(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _steps(rules):
    """Overdue steps as (step, first day, first day of the next step) — half-open."""
    steps = sorted(rules["overdue"], key=lambda s: s["days"])
    out = []
    for k, step in enumerate(steps):
        end = steps[k + 1]["days"] if k + 1 < len(steps) else step["days"] + rules.get("catch_up_days", 2) + 1
        out.append((step, step["days"], end))
    return out


def _before(offsets):
    """Before-windows as (offset, next smaller offset or 0), largest first."""
    offsets = sorted(set(offsets), reverse=True)
    return [(o, offsets[i + 1] if i + 1 < len(offsets) else 0) for i, o in enumerate(offsets)]


# --- tasks ---------------------------------------------------------------------------------------

TASK_FIELDS = (
    "pk",
    "title",
    "deadline",
    "owner_unit_id",
    "owner_unit__name",
    "campaign_id",
    "region__path",
    "owner_unit__region__path",
    "responsible_leader_id",
    "created_by_id",
)


def _task_dues(now, rules):
    Task = apps.get_model("tasks", "Task")
    today = timezone.localdate(now)
    windows = []
    for days, smaller in _before(rules["task_before_days"]):
        # days left in [smaller + 1, days]; the smallest window reaches the deadline day itself.
        low = today + dt.timedelta(days=smaller + 1 if smaller else 0)
        windows.append(
            (f"T-{days}d", "reminder", tuple(rules.get("before_to", UNIT_ROLES)), low, today + dt.timedelta(days=days))
        )
    for step, first, end in _steps(rules):
        first = max(first, 1)  # a task is overdue from the day after its deadline date
        if end <= first:
            continue
        # days overdue (today - deadline) in [first, end)
        windows.append(
            (
                f"D{step['days']}",
                step["kind"],
                tuple(step["to"]),
                today - dt.timedelta(days=end - 1),
                today - dt.timedelta(days=first),
            )
        )
    dues = []
    for label, kind, to, low, high in windows:
        rows = Task.objects.open().filter(deadline__gte=low, deadline__lte=high).values_list(*TASK_FIELDS)
        for pk, title, deadline, unit_id, unit_name, campaign_id, path, unit_path, leader_id, creator_id in rows:
            left = (deadline - today).days
            if left >= 0:
                heading = _("任务即将到期（剩余 %(n)s 天）") % {"n": left} if left else _("任务今日到期")
            elif kind == "escalation":
                heading = _("超期升级：任务已超期 %(n)s 天") % {"n": -left}
            else:
                heading = _("任务已超期 %(n)s 天") % {"n": -left}
            dues.append(
                Due(
                    rule=f"task {label}",
                    kind=kind,
                    to=to,
                    subject_key=f"task:{pk}",
                    window=f"{deadline:%Y-%m-%d}/{label}",
                    title=f"{heading}：{title}",
                    body=_("完成时限 %(d)s；责任单位 %(u)s") % {"d": f"{deadline:%Y-%m-%d}", "u": unit_name},
                    url=reverse("tasks:detail", args=[pk]),
                    unit_id=unit_id,
                    campaign_id=campaign_id,
                    region_path=path or unit_path or "",
                    task_id=pk,
                    leader_ids=(leader_id,) if leader_id else (),
                    supervisor_id=creator_id,
                )
            )
    return dues


# --- issues --------------------------------------------------------------------------------------

ISSUE_FIELDS = (
    "pk",
    "category__name",
    "address",
    "rectification_deadline",
    "responsible_unit_id",
    "responsible_unit__name",
    "campaign_id",
    "region__path",
    "site_id",
    "assigned_by_id",
    "created_by_id",
)


def _issue_url(pk):
    return reverse("inspections:issue_detail", args=[pk])


def _issue_dues(now, rules):
    Issue = apps.get_model("inspections", "Issue")
    today = timezone.localdate(now)
    groups = rules["issue_before_hours"]
    named = [severity for severity in groups if severity != "*"]
    windows = []  # (label, kind, to, queryset, urgent)
    for severity, hours in groups.items():
        for h, smaller in _before(hours):
            # the clock is running and the deadline lies in [now + smaller, now + h)
            qs = Issue.objects.overdue(now=now + dt.timedelta(hours=h)).filter(
                rectification_deadline__gte=now + dt.timedelta(hours=smaller)
            )
            qs = qs.exclude(severity__in=named) if severity == "*" else qs.filter(severity=severity)
            # A severity with its own hours (负面清单) is urgent: never folded into a digest.
            urgent = severity != "*"
            windows.append((f"T-{h}h", "reminder", tuple(rules.get("before_to", UNIT_ROLES)), qs, urgent))
    for step, first, end in _steps(rules):
        # local deadline date in (today - end, today - first]; and already past
        upper = min(now, _start_of(today - dt.timedelta(days=first - 1)))
        qs = Issue.objects.overdue(now=upper).filter(
            rectification_deadline__gte=_start_of(today - dt.timedelta(days=end - 1))
        )
        windows.append((f"D{step['days']}", step["kind"], tuple(step["to"]), qs, False))
    dues = []
    for label, kind, to, qs, urgent in windows:
        for row in qs.values_list(*ISSUE_FIELDS):
            pk, category, _address, deadline = row[:4]
            local = timezone.localtime(deadline)
            if deadline >= now:
                left = deadline - now
                heading = _("问题整改即将到期（剩余 %(h)s 小时 %(m)s 分）") % {
                    "h": int(left.total_seconds() // 3600),
                    "m": int(left.total_seconds() % 3600 // 60),
                }
            else:
                days = (today - local.date()).days
                if not days:
                    heading = _("问题已超过整改时限")
                elif kind == "escalation":
                    heading = _("超期升级：问题已超期 %(n)s 天") % {"n": days}
                else:
                    heading = _("问题已超期 %(n)s 天") % {"n": days}
            body = _("整改时限 %(d)s；责任单位 %(u)s；地址 %(a)s")
            due = _issue_due(row, f"issue {label}", kind, to, local, label, f"{heading}：#{pk} {category}", body)
            due.urgent = urgent
            dues.append(due)
    return dues


def _issue_due(row, rule, kind, to, local, label, title, body):
    """A :class:`Due` for an ``ISSUE_FIELDS`` row; ``local`` is the deadline the window is about
    and ``body`` a message with %(d)s (that deadline), %(u)s (the unit) and %(a)s (the address)."""
    pk, _category, address, _deadline, unit_id, unit_name, campaign_id, path, site_id, assigner, creator = row
    return Due(
        rule=rule,
        kind=kind,
        to=to,
        subject_key=f"issue:{pk}",
        window=f"{local:%Y-%m-%dT%H:%M}/{label}",
        title=title,
        body=body % {"d": f"{local:%Y-%m-%d %H:%M}", "u": unit_name or "", "a": address or "—"},
        url=_issue_url(pk),
        unit_id=unit_id,
        campaign_id=campaign_id,
        region_path=path or "",
        site_id=site_id,
        supervisor_id=assigner or creator,
    )


def _sign_dues(now, rules):
    """签收超时: an issue still waiting for its unit to sign after its sign-by time (the
    rectification clock only starts at 签收, so an unsigned issue would otherwise sit silently).
    Once per sign-by time, to whom ``issue_sign_overdue_to`` names; not while the unit's request
    to hand it back awaits a supervisor. A pass missed by up to ``catch_up_days`` is made up."""
    to = tuple(rules.get("issue_sign_overdue_to", ()))
    if not to:
        return []
    Issue = apps.get_model("inspections", "Issue")
    since = now - dt.timedelta(days=rules.get("catch_up_days", 2) + 1)
    rows = Issue.objects.filter(
        state="assigned", signed_at__isnull=True, pending_request="", sign_deadline__gte=since, sign_deadline__lt=now
    ).values_list("sign_deadline", *ISSUE_FIELDS)
    dues = []
    for sign_by, *row in rows:
        local = timezone.localtime(sign_by)
        title = _("问题交办后未按时签收：#%(pk)s %(c)s") % {"pk": row[0], "c": row[1]}
        dues.append(
            _issue_due(
                row, "issue S0", "overdue", to, local, "S0", title, _("签收时限 %(d)s；责任单位 %(u)s；地址 %(a)s")
            )
        )
    return dues


# --- recipients ----------------------------------------------------------------------------------


def _recipients(dues):
    """Resolve every due item's recipients with a handful of queries (not one per item)."""
    roles = {role for due in dues for role in due.to}
    unit_roles = roles & set(UNIT_ROLES)
    by_unit = defaultdict(lambda: defaultdict(set))
    if unit_roles:
        unit_ids = {d.unit_id for d in dues if d.unit_id}
        for unit_id, role, user_id in Membership.objects.filter(
            unit_id__in=unit_ids, role__in=unit_roles, unit__is_active=True
        ).values_list("unit_id", "role", "user_id"):
            by_unit[unit_id][role].add(user_id)

    region_leaders, site_leaders, task_leaders = defaultdict(list), defaultdict(set), defaultdict(set)
    if "leader" in roles:
        escalated = [d for d in dues if "leader" in d.to]
        campaigns = {d.campaign_id for d in escalated}
        sites = {d.site_id for d in escalated if d.site_id}
        tasks = {d.task_id for d in escalated if d.task_id}
        assignments = LeaderAssignment.objects.filter(campaign_id__in=campaigns, leader__isnull=False).filter(
            Q(region__isnull=False) | Q(site_id__in=sites) | Q(task_id__in=tasks)
        )
        for campaign_id, leader_id, path, site_id, task_id in assignments.values_list(
            "campaign_id", "leader_id", "region__path", "site_id", "task_id"
        ):
            if path:
                region_leaders[campaign_id].append((path, leader_id))
            elif site_id:
                site_leaders[site_id].add(leader_id)
            else:
                task_leaders[task_id].add(leader_id)

    wanted = {}
    for due in dues:
        ids = set()
        for role in due.to:
            if role in UNIT_ROLES:
                ids |= by_unit[due.unit_id][role] if due.unit_id else set()
            elif role == "leader":
                ids |= set(due.leader_ids) | site_leaders.get(due.site_id, set()) | task_leaders.get(due.task_id, set())
                ids |= {
                    leader
                    for path, leader in region_leaders.get(due.campaign_id, ())
                    if due.region_path.startswith(path)
                }
            elif role == "supervisor" and due.supervisor_id:
                ids.add(due.supervisor_id)
        wanted[id(due)] = ids
    users = User.objects.filter(pk__in={u for ids in wanted.values() for u in ids}, is_active=True).only(
        "id", "email", "is_active", "username", "display_name", "phone"
    )
    users = {u.pk: u for u in users}
    return {key: [users[u] for u in sorted(ids) if u in users] for key, ids in wanted.items()}


# --- the pass ------------------------------------------------------------------------------------


def reminders_dispatch(*, now=None, rules=None):
    """One pass: write the deliveries due at ``now``. Returns {rule: [created Delivery rows]};
    running it again at the same moment returns empty lists."""
    now = now or timezone.now()
    rules = rules or settings.REMINDER_RULES
    dues = _task_dues(now, rules) + _issue_dues(now, rules) + _sign_dues(now, rules)
    recipients = _recipients(dues)
    messages = defaultdict(list)
    for due in dues:
        for user in recipients[id(due)]:
            messages[due.rule].append(
                Message(
                    recipient=user,
                    kind=due.kind,
                    subject_key=due.subject_key,
                    window=due.window,
                    title=due.title,
                    body=due.body,
                    url=due.url,
                    urgent=due.urgent,
                )
            )
    digests = _fold_into_digests(messages, now)
    # Rows are stamped with the real time (they are due for sending now), whatever ``now`` says.
    out = {rule: deliveries_create(batch) for rule, batch in messages.items()}
    if digests:
        out["digest"] = deliveries_create(digests)
    return out


# --- digests -------------------------------------------------------------------------------------


def _fold_into_digests(messages, now):
    """More than ``DIGEST_THRESHOLD`` new, non-urgent reminders for one person in one pass (a
    backlog found on the first pass, a bad morning) become one digest: the items are still
    written — marked 已并入摘要, so a re-run never sends them — and one message per person lists
    them, keyed on the pass (``digest/<time>``): at most one digest per person per pass, and a
    re-run of the same pass adds nothing. Urgent items (负面清单 before its deadline) go on
    their own. Returns the digest messages; marks the folded ones in ``messages``."""
    threshold = getattr(settings, "DIGEST_THRESHOLD", 5)
    everything = [m for batch in messages.values() for m in batch]
    if threshold is None or len(everything) <= threshold:
        return []
    existing = {key[:4] for key in _existing_keys(everything)}
    fresh = defaultdict(list)
    for message in everything:
        key = (message.recipient.pk, message.subject_key, message.kind, message.window)
        if not message.urgent and key not in existing:
            fresh[message.recipient.pk].append(message)
    digests, folded = [], set()
    window = f"digest/{timezone.localtime(now):%Y-%m-%dT%H:%M}"
    for items in fresh.values():
        if len(items) <= threshold:
            continue
        folded.update(id(m) for m in items)
        lines = [f"· {m.title}" for m in items[:DIGEST_LINES]]
        if len(items) > DIGEST_LINES:
            lines.append(_("……另有 %(n)s 项，见我的待办。") % {"n": len(items) - DIGEST_LINES})
        user = items[0].recipient
        digests.append(
            Message(
                recipient=user,
                kind="digest",
                subject_key=f"digest:{user.pk}",
                window=window,
                title=_("待办提醒汇总：%(n)s 项到期或超期") % {"n": len(items)},
                body="\n".join(lines),
                url=reverse("home"),
            )
        )
    if folded:
        for rule, batch in messages.items():
            messages[rule] = [replace(m, digested=True) if id(m) in folded else m for m in batch]
    return digests


DIGEST_LINES = 30
