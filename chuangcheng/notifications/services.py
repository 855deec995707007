"""Writes of the notifications app: the outbox (deliveries) and sending them (job heartbeats:
:mod:`.heartbeats`; personal settings: :mod:`.preferences`).

Contract (for tasks, inspections, reports and the reminder pass)
-----------------------------------------------------------------

``delivery_create(*, recipients, kind, subject_key, window, title, body="", url="",
attachments=(), channels=None) -> list[Delivery]``

- ``recipients``: users; inactive ones and repeats are skipped.
- ``kind``: what it is ("task", "issue", "reminder", "overdue", "escalation", "briefing"…).
- ``subject_key``: the object it is about, ``"<type>:<id>"`` — ``"issue:123"``, ``"briefing:45"``.
- ``window``: which occurrence — ``"2026-11-23T08"``, ``"T-1"``. One delivery per
  (recipient, subject_key, kind, window, channel): calling again with the same values creates
  nothing (a unique constraint and ``bulk_create(ignore_conflicts=True)``), so a re-run or a
  retried job never sends twice.
- ``attachments``: ``[{"loader": "dotted.path.to.function", "args": [...], "filename": "...",
  "mimetype": "..."}]``; the loader is called at send time with ``*args`` and returns bytes
  (JSON-serialisable args only; large files are never stored in the row).
- ``channels``: names from ``settings.NOTIFICATION_CHANNELS`` (default: every configured channel
  that accepts the kind). ``"inapp"`` completes at once (a Notice row, status sent); the others
  are written pending and sent by a job after the commit.
- Returns the delivery rows this call created (duplicates of existing rows are not returned).
- Call it inside the transaction of the change that causes it: rows and notices commit or roll
  back with the change. After the commit a delivery job is enqueued (best effort: a broker error
  is logged and swallowed; the ``notifications.deliver_due`` beat job sends what was missed).

``notice_send(*, recipients, title, body="", url="", kind, subject_key="", window=None)``: the
older helper for event notices, now the same outbox with a fresh window per call.

``notices_mark_read(*, recipient, url, kind="")``: the person opened the page a notice links to
(not through the bell, which marks it itself): their unread notices to that page are read.
``page_notices_read(request, *, kind="")`` does it for the page being served, and only when the
bell's count (``unread_count(request)``, once a request) says something is unread.

Sending at most once (:func:`delivery_send`): a sender claims a row with one conditional UPDATE
(pending, or sending with an expired lease → sending, attempts + 1, a lease of
``NOTIFICATION_LEASE_SECONDS``), sends, then marks it sent only if its claim still holds. Just
before the message itself leaves (SMTP DATA body, the webhook's request) the sender records the
hand-over on the row (``handed_over_at``, under the claim). A row that was never handed over
is safe to send again: a worker killed before that leaves it "sending"; after the lease another
worker sends it — once. A handed-over row whose answer never came (the server timed out after
DATA, or the worker died waiting) may have arrived: it becomes "unconfirmed" (未确认) and is
never sent again on its own — a person decides in 系统管理 → 投递记录. Every copy carries the
delivery's Message-ID. Any other exception in one row (an attachment that cannot be built) is
recorded on that row with a backoff and never stops the sweep.
"""

import datetime as dt
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import preferences
from .channels import DeliveryError, PermanentError, UnconfirmedError, get_channel
from .models import DUE_STATUSES, Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

KICK_CHUNK = 100


# --- the outbox -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One message to one person; :func:`deliveries_create` writes one row per channel."""

    recipient: object
    kind: str
    subject_key: str
    window: str
    title: str
    body: str = ""
    url: str = ""
    attachments: list = field(default_factory=list)
    # Folded into a digest (reminders.DIGEST_*): the row is written — it keeps the key, so a
    # re-run sends nothing — but marked 未发送 on every channel; the digest carries it.
    digested: bool = False
    urgent: bool = False  # never folded into a digest (负面清单 before its deadline)


def _channels_for(names):
    names = list(settings.NOTIFICATION_CHANNELS) if names is None else list(names)
    return [get_channel(name) for name in names]


def group_mentions(messages, channels=None):
    """{channel: {(subject, kind, window): "phones"}}: whom each item's one group message mentions;
    its first row written carries it (popped), so a caller writing in batches passes one map."""
    return {c.name: _group_mentions(c, messages) for c in _channels_for(channels) if c.per_group}


def deliveries_create(messages, *, channels=None, now=None, group_mentions=None):
    """Write the delivery rows for ``messages`` (set-based: one INSERT … ON CONFLICT DO NOTHING
    per thousand rows), complete the immediate (in-app) ones, and enqueue the others after the
    commit. Returns the rows created by this call. ``group_mentions``: see :func:`group_mentions`
    (default: made from ``messages``)."""
    now = now or timezone.now()
    batch = uuid.uuid4().hex
    chosen = _channels_for(channels)
    messages = [m for m in messages if m.recipient.is_active]
    existing = _existing_keys(messages)
    prefs = preferences.preferences_for({m.recipient.pk for m in messages})
    if group_mentions is None:
        mentions = {c.name: _group_mentions(c, messages) for c in chosen if c.per_group}
    else:
        mentions = {c.name: group_mentions.setdefault(c.name, {}) for c in chosen if c.per_group}
    rows = []
    for message in messages:
        user = message.recipient
        for channel in chosen:
            if not channel.accepts(message.kind):
                continue
            key = (user.pk, message.subject_key, message.kind, message.window, channel.name)
            if key in existing:
                if channel.per_group:  # the item's group message went with the row already there
                    mentions[channel.name].pop(key[1:4], None)
                continue
            address, due = channel.address(user), now
            if message.digested:
                status, note = DeliveryStatus.SKIPPED, _("已并入摘要通知。")
            elif channel.immediate:
                status, note = DeliveryStatus.SENT, ""
            elif channel.per_group:
                # One group message per item, @-mentioning everyone it is for (the first row).
                address = mentions[channel.name].pop(key[1:4], None)
                if address is None:
                    status, note = DeliveryStatus.SKIPPED, _("已在同一条群消息中提醒。")
                else:
                    status, note = DeliveryStatus.PENDING, ""
            elif address is None:
                status, note = DeliveryStatus.SKIPPED, _("无此渠道地址（如未填邮箱），仅站内通知。")
            else:
                status, note, due = preferences.plan(prefs.get(user.pk), channel.name, message, now)
            rows.append(
                Delivery(
                    recipient_id=user.pk,
                    channel=channel.name,
                    kind=message.kind,
                    subject_key=message.subject_key,
                    window=message.window,
                    title=message.title[:200],
                    body=message.body,
                    url=message.url[:300],
                    attachments=list(message.attachments),
                    address=address or "",
                    status=status,
                    note=note,
                    next_attempt_at=due if status == DeliveryStatus.PENDING else None,
                    sent_at=now if status == DeliveryStatus.SENT else None,
                    batch=batch,
                    created_at=now,
                )
            )
    if not rows:
        return []
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        created = list(Delivery.objects.filter(batch=batch).order_by("id"))
        by_channel = {}
        for delivery in created:
            if delivery.status == DeliveryStatus.SENT:  # not the rows folded into a digest
                by_channel.setdefault(delivery.channel, []).append(delivery)
        for channel in chosen:
            if channel.immediate and by_channel.get(channel.name):
                channel.deliver_now(by_channel[channel.name])
        pending = [d.pk for d in created if d.status == DeliveryStatus.PENDING and d.next_attempt_at <= now]
        if pending:
            transaction.on_commit(partial(kick, pending))
    return created


def _group_mentions(channel, messages):
    """{(subject, kind, window): "phone,phone"} — who one group message about an item mentions."""
    out = {}
    for message in messages:
        if message.digested or not channel.accepts(message.kind):
            continue
        phones = out.setdefault((message.subject_key, message.kind, message.window), [])
        phone = channel.address(message.recipient)
        if phone and phone not in phones and len(",".join([*phones, phone])) <= 254:
            phones.append(phone)
    return {key: ",".join(phones) for key, phones in out.items()}


def _existing_keys(messages, chunk=1000):
    """Keys already in the outbox among ``messages``: a re-run (the common case of the reminder
    pass) builds no rows at all. Concurrent writers are still caught by the unique constraint."""
    subjects = sorted({m.subject_key for m in messages})
    windows = {m.window for m in messages}
    keys = set()
    for start in range(0, len(subjects), chunk):
        part = subjects[start : start + chunk]
        rows = Delivery.objects.filter(subject_key__in=part)
        if len(windows) <= chunk:
            rows = rows.filter(window__in=windows)
        keys.update(rows.values_list("recipient_id", "subject_key", "kind", "window", "channel"))
    return keys


def delivery_create(*, recipients, kind, subject_key, window, title, body="", url="", attachments=(), channels=None):
    """See the contract at the top of this module."""
    messages = [
        Message(
            recipient=user,
            kind=kind,
            subject_key=subject_key,
            window=window,
            title=title,
            body=body,
            url=url,
            attachments=list(attachments),
        )
        for user in _unique(recipients)
    ]
    return deliveries_create(messages, channels=channels)


def notice_send(*, recipients, title, body="", url="", kind, subject_key="", window=None):
    """Notify ``recipients`` of an event (call inside the transaction of the change): in-app at
    once, email (and any other channel) through the outbox. Each call is its own occurrence
    unless a ``window`` is given."""
    window = window or f"event:{timezone.localtime():%Y%m%dT%H%M%S}:{uuid.uuid4().hex[:12]}"
    return delivery_create(
        recipients=recipients, kind=kind, subject_key=subject_key, window=window, title=title, body=body, url=url
    )


def notices_mark_read(*, recipient, url, kind=""):
    """Mark ``recipient``'s unread in-app notices that link to ``url`` (of ``kind``, if given)
    read: the person has opened what they announce another way than through the bell (an
    export's page). One UPDATE on the person's own notices; returns how many."""
    from .models import Notice

    notices = Notice.objects.filter(recipient=recipient, read_at__isnull=True, url=url)
    if kind:
        notices = notices.filter(kind=kind)
    return notices.update(read_at=timezone.now())


def unread_count(request):
    """The bell's figure: the signed-in person's unread in-app notices, counted once a request."""
    from .models import Notice

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    if not hasattr(request, "_unread_notice_count"):
        request._unread_notice_count = Notice.objects.visible_to(user).unread().count()
    return request._unread_notice_count


def page_notices_read(request, *, kind=""):
    """The person has the page ``request.path`` open: its unread notices (of ``kind``) are read,
    and the bell on that page counts without them. The count comes first (the page shows it
    anyway), so a person with nothing unread costs no write."""
    if unread_count(request):
        request._unread_notice_count -= notices_mark_read(recipient=request.user, url=request.path, kind=kind)


def _unique(users):
    seen = set()
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            yield user


def unit_people(unit_ids, roles=("staff", "unit_head")):
    """The active people holding ``roles`` in the given units."""
    from chuangcheng.org.models import User

    return User.objects.filter(
        is_active=True, memberships__unit_id__in=list(unit_ids), memberships__role__in=list(roles)
    ).distinct()


# --- the kick (best effort) ------------------------------------------------------------------------


def _broker_errors():
    from kombu.exceptions import KombuError

    errors = (KombuError, OSError)
    try:
        from redis.exceptions import RedisError
    except ImportError:  # the embedded filesystem broker needs no redis client
        return errors
    return (*errors, RedisError)


# The kick is fire-and-forget with a timeout: the broker gets this long per socket operation
# (connect, ping, push) from a web request. When it cannot be reached, kicks from this process
# are skipped for KICK_DOWN_SECONDS (no request pays the timeout again); the sweep sends.
KICK_SOCKET_TIMEOUT = 0.5
KICK_DOWN_SECONDS = 5.0
_kick_down_until = {}
# Each process (and thread) keeps its broker connection between kicks: a new one for every kick
# — connect, ping, declare the queue — cost 2.8 ms of CPU and 6.6 ms of a write's time, against
# 0.3 and 0.6 ms over a kept one (docs/performance.md, issue 18, seventeenth pass).
_kick_local = threading.local()


def _kept_connection(app, broker, options):
    """``(connection, kept)``: this thread's connection to ``broker``, made now (``kept`` False)
    or by an earlier kick of this process (True)."""
    held = getattr(_kick_local, "connections", None)
    if held is None or _kick_local.pid != os.getpid():  # a forked child does not share its parent's
        held = _kick_local.connections = {}
        _kick_local.pid = os.getpid()
    connection = held.get(broker)
    if connection is not None:
        return connection, True
    connection = held[broker] = app.connection_for_write(transport_options=options)
    return connection, False


def _drop_connection(broker):
    connection = getattr(_kick_local, "connections", {}).pop(broker, None)
    if connection is not None:
        try:
            connection.release()
        except Exception:  # it is being thrown away because it failed
            logger.debug("notifications: closing a failed broker connection", exc_info=True)


def kick(delivery_ids):
    """Enqueue delivery jobs for ``delivery_ids`` (run after the commit). Best effort: when the
    broker is down or hung the rows stay pending and ``notifications.deliver_due`` sends them
    within a minute; the web request is held at most about a second (one connection attempt with
    short socket timeouts, no publish retries), and not at all while a recent failure stands.
    A kept connection that fails (Redis restarted) is dropped: the next kick connects afresh.
    Inside a job, the follow-up goes to the job's own queue."""
    from celery import current_task

    from .jobs import deliver

    app = deliver.app
    queue = settings.NOTIFICATION_QUEUE
    if current_task and current_task.request and current_task.request.delivery_info:
        queue = current_task.request.delivery_info.get("routing_key") or queue
    ids = list(delivery_ids)
    broker = app.conf.broker_write_url or app.conf.broker_url
    if _kick_down_until.get(broker, 0) > time.monotonic():
        logger.info("notifications: broker failed moments ago, %d deliveries left to the sweep", len(ids))
        return False
    options = {"socket_timeout": KICK_SOCKET_TIMEOUT, "socket_connect_timeout": KICK_SOCKET_TIMEOUT}
    connection, kept = _kept_connection(app, broker, options)
    try:
        try:
            connection.ensure_connection(max_retries=0, timeout=1)
        except _broker_errors():
            _kick_down_until[broker] = time.monotonic() + KICK_DOWN_SECONDS
            raise
        for start in range(0, len(ids), KICK_CHUNK):
            deliver.apply_async(args=[ids[start : start + KICK_CHUNK]], queue=queue, retry=False, connection=connection)
    except _broker_errors() as exc:
        _drop_connection(broker)
        logger.warning(
            "notifications: broker unavailable%s, %d deliveries left to the sweep: %r",
            " (a kept connection)" if kept else "",
            len(ids),
            exc,
        )
        return False
    return True


# --- sending ---------------------------------------------------------------------------------------


def _retry_delay(attempt):
    delays = settings.NOTIFICATION_RETRY_DELAYS
    return delays[min(attempt, len(delays)) - 1]


def _max_attempts():
    return len(settings.NOTIFICATION_RETRY_DELAYS) + 1


def delivery_claim(*, delivery_id, now=None):
    """Take ``delivery_id`` for sending: one conditional UPDATE, so of two workers (or a retried
    message) exactly one gets it. Returns the claimed row (``attempts`` is the claim's fencing
    token) or ``None``."""
    now = now or timezone.now()
    lease = now + dt.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    claimed = Delivery.objects.filter(
        pk=delivery_id,
        status__in=DUE_STATUSES,
        next_attempt_at__lte=now,
        attempts__lt=_max_attempts(),
        handed_over_at__isnull=True,
    ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, lease_until=lease, next_attempt_at=lease)
    if not claimed:
        return None
    return Delivery.objects.select_related("recipient").get(pk=delivery_id)


def _finish(delivery, **fields):
    """Write the outcome only while this worker's claim holds (same attempt, still sending)."""
    return Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts).update(
        **fields
    )


class ClaimLapsed(Exception):
    """This worker's claim on a delivery ended before the hand-over (its lease expired and
    another worker may hold the row): the message is not sent."""


def _hand_over(delivery):
    """Record that the message is about to leave; refuse when the claim no longer holds."""
    if not _finish(delivery, handed_over_at=timezone.now()):
        raise ClaimLapsed(delivery.pk)


def _backoff(delivery, now):
    """(status, next attempt) after a failed attempt: pending with a backoff, failed after the last."""
    if delivery.attempts >= _max_attempts():
        return DeliveryStatus.FAILED, None
    return DeliveryStatus.PENDING, now + dt.timedelta(seconds=_retry_delay(delivery.attempts))


def delivery_send(*, delivery_id, now=None):
    """Claim and send one delivery. Returns its new status, or ``None`` when another worker has
    it or it is not due. Transport errors put it back to pending with a backoff (or failed after
    the last attempt); the error is kept in ``last_error`` (cleared once sent). No answer after the
    hand-over → unconfirmed. Never raises for a failure of this one row."""
    now = now or timezone.now()
    delivery = delivery_claim(delivery_id=delivery_id, now=now)
    if delivery is None:
        return None
    handed = []

    def hand_over():
        _hand_over(delivery)
        handed.append(True)

    try:
        get_channel(delivery.channel).send(delivery, hand_over=hand_over)
    except ClaimLapsed:
        logger.warning("delivery %s: claim lapsed before the hand-over, left to its new holder", delivery.pk)
        return None
    except UnconfirmedError as exc:
        return _unconfirmed(delivery, str(exc))
    except DeliveryError as exc:
        if isinstance(exc, PermanentError):
            status, next_at = DeliveryStatus.FAILED, None
        else:
            status, next_at = _backoff(delivery, now)
        _finish(
            delivery,
            status=status,
            next_attempt_at=next_at,
            lease_until=None,
            handed_over_at=None,
            last_error=str(exc)[:2000],
        )
        logger.info("delivery %s attempt %s: %s (%s)", delivery.pk, delivery.attempts, status, exc)
        return status
    except Exception as exc:
        # Anything else (a PDF that will not render, a loader's bug, a channel's own error) is
        # this row's problem: recorded on it with a backoff, so the sweep goes on to the next row.
        # After the hand-over the message may have left: unconfirmed, as for a timeout.
        logger.exception("delivery %s attempt %s raised", delivery.pk, delivery.attempts)
        error = f"{type(exc).__name__}: {exc}"
        if handed:
            return _unconfirmed(delivery, error)
        status, next_at = _backoff(delivery, now)
        _finish(delivery, status=status, next_attempt_at=next_at, lease_until=None, last_error=error[:2000])
        return status
    _finish(
        delivery,
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        next_attempt_at=None,
        lease_until=None,
        last_error="",
    )
    return DeliveryStatus.SENT


def _unconfirmed(delivery, error):
    _finish(
        delivery, status=DeliveryStatus.UNCONFIRMED, next_attempt_at=None, lease_until=None, last_error=error[:2000]
    )
    logger.warning("delivery %s attempt %s unconfirmed, not resent: %s", delivery.pk, delivery.attempts, error)
    return DeliveryStatus.UNCONFIRMED


def deliveries_due(*, now=None, limit=200):
    """Ids of rows due for an attempt: pending past their backoff, or sending past their lease
    (unless their message was handed over: :func:`deliveries_expire` makes those unconfirmed)."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(
            status__in=DUE_STATUSES,
            next_attempt_at__lte=now,
            attempts__lt=_max_attempts(),
            handed_over_at__isnull=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_expire(*, now=None):
    """Rows whose worker died mid-send (lease expired): those handed over to the server →
    unconfirmed (they may have arrived); those out of attempts → failed. Returns how many."""
    now = now or timezone.now()
    lapsed = Delivery.objects.filter(status=DeliveryStatus.SENDING, next_attempt_at__lte=now)
    unconfirmed = lapsed.filter(handed_over_at__isnull=False).update(
        status=DeliveryStatus.UNCONFIRMED,
        next_attempt_at=None,
        lease_until=None,
        last_error=_("发送中断：邮件已交给服务器，但发送进程在收到确认前退出，可能已送达，不再自动重发。"),
    )
    failed = lapsed.filter(attempts__gte=_max_attempts()).update(
        status=DeliveryStatus.FAILED,
        next_attempt_at=None,
        lease_until=None,
        last_error=_("发送中断且已达最大尝试次数。"),
    )
    return unconfirmed + failed


# What a person may decide about rows the sweep will not touch again.
RESENDABLE = (DeliveryStatus.FAILED, DeliveryStatus.UNCONFIRMED)


def delivery_resend(*, delivery_ids, now=None):
    """重新发送: put failed and unconfirmed rows back to pending with a fresh set of attempts, and
    enqueue them after the commit (an unconfirmed one goes out with the same Message-ID). Other
    rows are left alone. Returns how many were reset."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update()
            .filter(pk__in=list(delivery_ids), status__in=RESENDABLE)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, lease_until=None, handed_over_at=None
        )
        if ids:
            transaction.on_commit(partial(kick, ids))
    return len(ids)


def delivery_confirm(*, delivery_ids, actor, now=None):
    """标记为已送达: a person checked (the recipient, the mail server's log) that an unconfirmed
    delivery arrived. Other rows are left alone. Returns how many were marked."""
    now = now or timezone.now()
    note = _("已人工确认送达（%(who)s）。") % {"who": actor}
    with transaction.atomic():
        return Delivery.objects.filter(pk__in=list(delivery_ids), status=DeliveryStatus.UNCONFIRMED).update(
            status=DeliveryStatus.SENT, sent_at=now, note=note[:200]
        )
