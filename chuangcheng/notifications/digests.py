"""Digests: many messages to one person become one.

- The reminder pass's digest (:func:`fold_into_digests`): more than ``DIGEST_THRESHOLD`` new,
  non-urgent reminders for one person in one pass (a backlog found on the first pass, a bad
  morning) become one message listing them.
- The 每日汇总 (:func:`daily_digests_send`): for whoever chose it in 通知设置, the rows held
  since their last digest hour go out as one message per person, on the channels they were held
  for, at or after their hour (a missed run is made up by the next one).

Either way the items keep their own rows (marked 已并入…), so a re-run never sends them again;
the digest is keyed on the pass or the day, so it is sent once.
"""

from collections import defaultdict
from dataclasses import replace

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import preferences
from .models import Delivery, DeliveryStatus, NotificationPreference
from .services import Message, _existing_keys, deliveries_create

DIGEST_LINES = 30


def _lines(titles):
    lines = [f"· {t}" for t in titles[:DIGEST_LINES]]
    if len(titles) > DIGEST_LINES:
        lines.append(_("……另有 %(n)s 项，见我的待办。") % {"n": len(titles) - DIGEST_LINES})
    return "\n".join(lines)


def fold_into_digests(messages, now, *, backlog=()):
    """Fold each person's backlog in ``messages`` ({rule: [Message]}) into one digest; marks the
    folded ones ``digested`` in place and returns the digest messages (window ``digest/<time>``:
    at most one per person per pass, none added by a re-run). Urgent items go on their own.

    ``backlog``: ids of messages whose window opened long ago (a first pass, a worker that was
    down — see reminders): always folded, whatever the threshold; the person's other new items
    join them in the same digest when they are more than the threshold."""
    threshold = getattr(settings, "DIGEST_THRESHOLD", 5)
    everything = [m for batch in messages.values() for m in batch]
    backlog = set(backlog)
    if not backlog and (threshold is None or len(everything) <= threshold):
        return []
    existing = {key[:4] for key in _existing_keys(everything)}
    fresh = defaultdict(list)
    for message in everything:
        key = (message.recipient.pk, message.subject_key, message.kind, message.window)
        if (id(message) in backlog or not message.urgent) and key not in existing:
            fresh[message.recipient.pk].append(message)
    digests, folded = [], set()
    window = f"digest/{timezone.localtime(now):%Y-%m-%dT%H:%M}"
    for items in fresh.values():
        if threshold is None or len(items) <= threshold:
            items = [m for m in items if id(m) in backlog]
            if not items:
                continue
        folded.update(id(m) for m in items)
        user = items[0].recipient
        late = sum(id(m) in backlog for m in items)
        lines = _lines([m.title for m in items])
        if late:
            lines = (
                _("其中 %(n)s 项的提醒时间已过去较久（如系统暂停运行期间），不再逐条发送。") % {"n": late}
                + "\n"
                + lines
            )
        digests.append(
            Message(
                recipient=user,
                kind="digest",
                subject_key=f"digest:{user.pk}",
                window=window,
                title=_("待办提醒汇总：%(n)s 项到期或超期") % {"n": len(items)},
                body=lines,
                url=reverse("home"),
            )
        )
    if folded:
        for rule, batch in messages.items():
            messages[rule] = [replace(m, digested=True) if id(m) in folded else m for m in batch]
    return digests


def daily_digests_send(*, now=None):
    """Send the 每日汇总 now due. Returns how many people got one."""
    now = now or timezone.now()
    waiting = Delivery.objects.filter(status=DeliveryStatus.HELD)
    user_ids = set(waiting.values_list("recipient_id", flat=True).distinct())
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids).select_related("user")}
    sent = 0
    for user_id in sorted(user_ids):
        pref = prefs.get(user_id)
        # No digest wanted any more (or no settings): the held rows go out at their due time.
        moment = preferences.last_digest_moment(pref, now) if pref and pref.daily_digest else now
        sent += _digest_one(user_id, pref, moment, now)
    return sent


def _digest_one(user_id, pref, moment, now):
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(recipient_id=user_id, status=DeliveryStatus.HELD, created_at__lt=moment)
            .order_by("created_at", "id")
        )
        if not rows:
            return 0
        if pref is None or not pref.daily_digest:
            Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
                status=DeliveryStatus.PENDING, next_attempt_at=now, note=""
            )
            return 0
        titles, seen = [], set()
        for row in rows:
            if (row.subject_key, row.kind, row.window) not in seen:
                seen.add((row.subject_key, row.kind, row.window))
                titles.append(row.title)
        day = timezone.localtime(moment).date()
        message = Message(
            recipient=pref.user,
            kind="daily_digest",
            subject_key=f"digest:{user_id}",
            window=f"daily/{day:%Y-%m-%d}",
            title=_("每日汇总（%(d)s）：%(n)s 条通知") % {"d": f"{day:%m-%d}", "n": len(titles)},
            body=_lines(titles),
            url=reverse("notifications:list"),
        )
        deliveries_create([message], channels=sorted({r.channel for r in rows}), now=now)
        Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=DeliveryStatus.SKIPPED, note=_("已并入 %(d)s 的每日汇总。") % {"d": f"{day:%Y-%m-%d}"}
        )
    return 1
