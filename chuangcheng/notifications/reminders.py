"""The reminder pass (DESIGN §2 "Reminders"): what is due soon, has just passed its deadline or
is overdue long enough to escalate becomes delivery rows — never a Celery ETA per deadline.

Rules come from ``settings.REMINDER_RULES``. Each rule is a *window* over the deadline
(:class:`Window`): at a moment t it holds the items whose deadline lies in [low(t), high(t)), one
indexed range condition on the deadline column:

- tasks (deadline is a date): T-3 while 2–3 days are left, T-1 from 1 day left to the day itself;
- issues (deadline is a moment, clock running: assigned/rectifying): by severity, e.g. 负面清单
  T-4h in [now+1h, now+4h), T-1h in [now, now+1h); the others T-24h in [now, now+24h);
- 签收超时: an issue assigned but not signed by its sign-by time, once, to the unit and whoever
  assigned it (the rectification clock only starts at 签收);
- overdue, by days overdue (calendar days in Asia/Shanghai): each step runs until the next one
  starts; the last one for ``catch_up_days`` more.

Only the step the item is in now is sent (an item first seen at T-1 gets T-1, not T-3 too). The
window string carries the deadline ("2026-11-23T17:30/T-1h"), so an extended deadline re-arms
its reminders. Uniqueness of (recipient, subject, kind, window, channel) makes a re-run free.

**Watermarks** (:class:`~chuangcheng.notifications.models.ReminderWatermark`, one per source ×
window): a pass reads only the items whose window opened since the last pass — deadlines in
[max(low(now), high(mark)), high(now)) — plus those in the window whose row changed since then
(signed, extended, reopened: ``updated_at`` > mark, an indexed column too). A pass every five
minutes reads five minutes of deadlines, not the whole window again.

**Backlog**: with no watermark (the first pass) or one older than ``catch_up_days`` (the worker
was down), an item whose window opened before that bound is not sent on its own: each person gets
one digest listing them (:func:`~.digests.fold_into_digests`; the items keep their rows, marked
已并入摘要通知, so nothing is sent twice). A year of reminders never goes out one by one.

**Batches**: the rows are written person by person, about :data:`BATCH_MESSAGES` messages per
transaction (a person's items and digest always together); the watermarks move in the
transaction of the last batch. A pass that dies midway has moved nothing: the next one reads
the same items again and the existing rows' keys leave out whoever was already served — nothing
is lost, nothing is sent twice. One pass at a time (a PostgreSQL advisory lock; a second one
started meanwhile returns at once).

Tasks and issues sit above this app: each registers its source of windows at ``ready()``
(:func:`register_source`), written with its own querysets (``open()``, clock states); this module
knows the watermarks, the recipients and the digest, not their models.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from chuangcheng.org.models import LeaderAssignment, Membership, User

from .digests import fold_into_digests
from .models import ReminderWatermark
from .services import Message, deliveries_create, group_mentions

logger = logging.getLogger(__name__)

UNIT_ROLES = ("staff", "unit_head")
# About this many messages (one item to one person) are written per transaction.
BATCH_MESSAGES = 500
# Any constant: the key of the advisory lock that keeps passes from overlapping.
PASS_LOCK_KEY = 7_341_852_201


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
    backlog: bool = False  # its window opened before the catch-up bound: folded into a digest


@dataclass
class Window:
    """One rule's window over one deadline column of one source.

    ``bounds(t)`` → (low, high): at moment ``t`` the window holds the deadlines in [low, high);
    an item's window opens when ``high`` passes its deadline (both move forward with t).
    ``queryset``: the items the rule is about (state, severity), without the range; its model has
    ``updated_at``. ``fields``: what ``due(row)`` needs (it must include ``column``).
    ``finish(dues)``: optional, completes this window's items with a query for all of them."""

    key: str
    queryset: object
    column: str
    bounds: Callable
    fields: tuple
    due: Callable
    finish: Callable | None = None


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


def catch_up_bound(now, rules):
    """Items whose window opened before this moment are a backlog (digest), not sent one by one."""
    return now - dt.timedelta(days=rules.get("catch_up_days", 2))


@dataclass(frozen=True)
class Ranges:
    """What one pass reads of one window (see :func:`window_ranges`)."""

    low: object  # the window now: [low, high)
    high: object
    seen: object  # deadlines below this had their window open at the watermark (None: no watermark)
    fresh: object  # deadlines at or above this opened since the bound or the watermark: sent on their own
    since: object  # rows changed after this moment are sent on their own too

    def condition(self, column, mark):
        """The rows to read: opened since the watermark, or changed since it (all of the window
        when there is none) — two range conditions, each served by an index."""
        if self.seen is None:
            return Q(**{f"{column}__gte": self.low, f"{column}__lt": self.high})
        opened = Q(**{f"{column}__gte": max(self.low, self.seen), f"{column}__lt": self.high})
        changed = Q(**{f"{column}__gte": self.low, f"{column}__lt": min(self.high, self.seen), "updated_at__gt": mark})
        return opened | changed

    def is_backlog(self, deadline, updated_at):
        return deadline < self.fresh and not updated_at > self.since


def window_ranges(bounds, now, mark, bound):
    """The deadline ranges of a window for a pass at ``now`` after the watermark ``mark`` (None:
    never passed), with ``bound`` the catch-up bound (:func:`catch_up_bound`)."""
    low, high = bounds(now)
    since = bound if mark is None else max(mark, bound)
    seen = None if mark is None else bounds(mark)[1]
    return Ranges(low=low, high=high, seen=seen, fresh=bounds(since)[1], since=since)


# --- sources -------------------------------------------------------------------------------------

# What each app above contributes to the pass, registered at its ready(): ``source(now, rules)``
# returns its :class:`Window` list (tasks: tasks/reminders.py; issues: inspections/reminders.py).
_SOURCES = {}


def register_source(name, source):
    _SOURCES[name] = source


def window_keys(now=None, rules=None):
    """Every (source, window key) a pass covers (no query)."""
    now, rules = now or timezone.now(), rules or settings.REMINDER_RULES
    return [(name, window.key) for name in sorted(_SOURCES) for window in _SOURCES[name](now, rules)]


def dues_at(now, rules, marks=None):
    """The items a pass at ``now`` reads, as :class:`Due` (``backlog`` set), and the watermark
    keys it covers. ``marks``: {(source, window key): passed_at} — none means a first pass."""
    marks = marks or {}
    bound = catch_up_bound(now, rules)
    dues, keys = [], []
    for name in sorted(_SOURCES):
        for window in _SOURCES[name](now, rules):
            key = (name, window.key)
            keys.append(key)
            mark = marks.get(key)
            ranges = window_ranges(window.bounds, now, mark, bound)
            at = window.fields.index(window.column)
            rows = (
                window.queryset.filter(ranges.condition(window.column, mark))
                .order_by(window.column, "pk")
                .values_list(*window.fields, "updated_at")
            )
            found = []
            for *row, updated_at in rows:
                due = window.due(tuple(row))
                due.backlog = ranges.is_backlog(row[at], updated_at)
                found.append(due)
            if found and window.finish:
                window.finish(found)
            dues.extend(found)
    return dues, keys


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


@contextmanager
def _one_pass_at_a_time():
    """Yields False when another pass holds the lock (PostgreSQL; elsewhere always True). A
    session lock: it outlives the batches' transactions and goes with a dead worker's connection."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [PASS_LOCK_KEY])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [PASS_LOCK_KEY])


def watermarks():
    return {(m.source, m.window): m.passed_at for m in ReminderWatermark.objects.all()}


def _advance(keys, marks, moment):
    """Set the watermarks of ``keys`` to ``moment`` — never backwards (an operator's pass at a past
    ``--now`` moves nothing) and never past the real time (one at a future ``--now`` would skip
    what lies between)."""
    moment = min(moment, timezone.now())
    rows = [
        ReminderWatermark(source=source, window=window, passed_at=moment)
        for source, window in keys
        if marks.get((source, window)) is None or marks[(source, window)] < moment
    ]
    if rows:
        ReminderWatermark.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["source", "window"], update_fields=["passed_at"]
        )


def _batches(messages, digests):
    """[(messages, digests)] person by person, about BATCH_MESSAGES messages each."""
    by_person = defaultdict(list)
    for message in messages:
        by_person[message.recipient.pk].append(message)
    digest_of = {d.recipient.pk: d for d in digests}
    out, batch, folded = [], [], []
    for pk in sorted(by_person):
        batch.extend(by_person[pk])
        if pk in digest_of:
            folded.append(digest_of[pk])
        if len(batch) >= BATCH_MESSAGES:
            out.append((batch, folded))
            batch, folded = [], []
    if batch or not out:
        out.append((batch, folded))
    return out


def _write_batch(messages, digests, mentions):
    return deliveries_create([*messages, *digests], group_mentions=mentions)


def reminders_dispatch(*, now=None, rules=None):
    """One pass: write the deliveries due at ``now``. Returns {rule: [created Delivery rows]}
    (the digests under "digest"); running it again at the same moment returns empty lists, and
    so does a pass that found another one running."""
    now = now or timezone.now()
    rules = rules or settings.REMINDER_RULES
    with _one_pass_at_a_time() as ours:
        if not ours:
            logger.info("reminders: another pass is running, this one stops")
            return {}
        marks = watermarks()
        dues, keys = dues_at(now, rules, marks)
        recipients = _recipients(dues)
        messages, rule_of, backlog = [], {}, set()
        for due in dues:
            for user in recipients[id(due)]:
                message = Message(
                    recipient=user,
                    kind=due.kind,
                    subject_key=due.subject_key,
                    window=due.window,
                    title=due.title,
                    body=due.body,
                    url=due.url,
                    urgent=due.urgent,
                )
                messages.append(message)
                rule_of[(due.subject_key, due.kind, due.window)] = due.rule
                if due.backlog:
                    backlog.add(id(message))
        folded = {"all": messages}
        digests = fold_into_digests(folded, now, backlog=backlog)
        # Who carries each item's group message is decided over the whole pass, not per batch.
        mentions = group_mentions([*folded["all"], *digests])
        out = defaultdict(list)
        batches = _batches(folded["all"], digests)
        for n, (batch, batch_digests) in enumerate(batches, 1):
            with transaction.atomic():
                # Rows are stamped with the real time (they are due for sending now), whatever ``now`` says.
                for row in _write_batch(batch, batch_digests, mentions):
                    key = (row.subject_key, row.kind, row.window)
                    out["digest" if row.kind == "digest" else rule_of[key]].append(row)
                if n == len(batches):
                    _advance(keys, marks, now)
    for rule in {due.rule for due in dues}:
        out.setdefault(rule, [])
    return dict(out)
