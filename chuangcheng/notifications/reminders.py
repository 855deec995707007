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

Tasks and issues sit above this app: each registers its source of due items at ``ready()``
(:func:`register_source`), written with its own querysets (``open()``, ``overdue()``); this module
knows the windows, the recipients and the digest, not their models.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from chuangcheng.org.models import LeaderAssignment, Membership, User

from .digests import fold_into_digests
from .services import Message, deliveries_create

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


def start_of(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def overdue_steps(rules):
    """Overdue steps as (step, first day, first day of the next step) — half-open."""
    steps = sorted(rules["overdue"], key=lambda s: s["days"])
    out = []
    for k, step in enumerate(steps):
        end = steps[k + 1]["days"] if k + 1 < len(steps) else step["days"] + rules.get("catch_up_days", 2) + 1
        out.append((step, step["days"], end))
    return out


def before_windows(offsets):
    """Before-windows as (offset, next smaller offset or 0), largest first."""
    offsets = sorted(set(offsets), reverse=True)
    return [(o, offsets[i + 1] if i + 1 < len(offsets) else 0) for i, o in enumerate(offsets)]


# --- sources -------------------------------------------------------------------------------------

# What each app above contributes to the pass, registered at its ready(): ``source(now, rules)``
# returns its :class:`Due` items (tasks: tasks/reminders.py; issues: inspections/reminders.py).
_SOURCES = {}


def register_source(name, source):
    _SOURCES[name] = source


def dues_at(now, rules):
    return [due for name in sorted(_SOURCES) for due in _SOURCES[name](now, rules)]


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

    region_leaders, site_leaders = defaultdict(list), defaultdict(set)
    if "leader" in roles:
        escalated = [d for d in dues if "leader" in d.to]
        campaigns = {d.campaign_id for d in escalated}
        sites = {d.site_id for d in escalated if d.site_id}
        assignments = LeaderAssignment.objects.filter(campaign_id__in=campaigns, leader__isnull=False).filter(
            Q(region__isnull=False) | Q(site_id__in=sites)
        )
        for campaign_id, leader_id, path, site_id in assignments.values_list(
            "campaign_id", "leader_id", "region__path", "site_id"
        ):
            if path:
                region_leaders[campaign_id].append((path, leader_id))
            else:
                site_leaders[site_id].add(leader_id)

    wanted = {}
    for due in dues:
        ids = set()
        for role in due.to:
            if role in UNIT_ROLES:
                ids |= by_unit[due.unit_id][role] if due.unit_id else set()
            elif role == "leader":
                ids |= set(due.leader_ids) | site_leaders.get(due.site_id, set())
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
    dues = dues_at(now, rules)
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
    digests = fold_into_digests(messages, now)
    # Rows are stamped with the real time (they are due for sending now), whatever ``now`` says.
    out = {rule: deliveries_create(batch) for rule, batch in messages.items()}
    if digests:
        out["digest"] = deliveries_create(digests)
    return out
