"""Each person's notification settings (通知设置) applied to the outbox, and their writes.

:func:`plan` decides, per delivery row on a channel other than the bell, whether it goes now,
waits for the end of 免打扰, waits for the person's 每日汇总, or is not sent (channel turned off
for that kind). The bell records everything; urgent items ignore the settings. The row is
written either way — its key keeps a re-run from sending it later.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuangcheng.org.permissions import is_admin

from .models import Delivery, DeliveryStatus, NotificationPreference

# Kinds a person decides about together (a kind not named here is an event notice).
GROUPS = (
    ("event", gettext_lazy("业务通知（交办、退回、批示、审核结果等）")),
    ("reminder", gettext_lazy("到期提醒与提醒汇总")),
    ("overdue", gettext_lazy("超期与升级")),
    ("briefing", gettext_lazy("简报")),
)
KIND_GROUPS = {"reminder": "reminder", "digest": "reminder", "overdue": "overdue", "escalation": "overdue"}
KIND_GROUPS["briefing"] = "briefing"
# Never held for the daily digest (they are digests, or a document someone waits for).
NOT_HELD = ("digest", "daily_digest", "briefing")


def kind_group(kind):
    return KIND_GROUPS.get(kind, "event")


def preferences_for(user_ids):
    """{user id: NotificationPreference} for those who have settings (one query)."""
    return {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=list(user_ids))}


def quiet_until(pref, now):
    """The end of the 免打扰 period ``now`` falls in (aware), or ``None`` outside it."""
    if pref is None or pref.quiet_start is None or pref.quiet_end is None or pref.quiet_start == pref.quiet_end:
        return None
    local = timezone.localtime(now)
    t, start, end = local.time(), pref.quiet_start, pref.quiet_end
    if start < end:
        inside, day = start <= t < end, local.date()
    else:  # past midnight: 22:00–07:00
        inside = t >= start or t < end
        day = local.date() + dt.timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    return timezone.make_aware(dt.datetime.combine(day, end), timezone.get_current_timezone())


def plan(pref, channel_name, message, now):
    """``(status, note, next_attempt_at)`` for a row that would otherwise be sent now."""
    if pref is None or message.urgent:
        return DeliveryStatus.PENDING, "", now
    if message.kind != "daily_digest" and f"{channel_name}:{kind_group(message.kind)}" in (pref.off or []):
        return DeliveryStatus.SKIPPED, _("本人已在通知设置中关闭此渠道的此类通知（站内通知照常）。"), None
    if pref.daily_digest and message.kind not in NOT_HELD:
        return DeliveryStatus.HELD, _("等待每日汇总（%(h)s:00）。") % {"h": pref.digest_hour}, None
    until = quiet_until(pref, now)
    if until is not None:
        return (
            DeliveryStatus.PENDING,
            _("免打扰时段，%(t)s 后发送。") % {"t": f"{timezone.localtime(until):%H:%M}"},
            until,
        )
    return DeliveryStatus.PENDING, "", now


def last_digest_moment(pref, now):
    """The latest ``digest_hour``:00 (local) at or before ``now``."""
    local = timezone.localtime(now)
    moment = local.replace(hour=pref.digest_hour, minute=0, second=0, microsecond=0)
    if moment > local:
        moment -= dt.timedelta(days=1)
    return moment


def preference_update(*, actor, user, off, daily_digest, digest_hour, quiet_start, quiet_end, channels):
    """Save ``user``'s settings. Only the person themself (or an administrator) may; ``off``
    names configured channels and known groups. Raises ValidationError naming the field."""
    if actor.pk != user.pk and not is_admin(actor):
        raise ValidationError(_("只能修改自己的通知设置。"))
    groups = {g for g, _label in GROUPS}
    errors = {}
    bad = [pair for pair in off if pair.partition(":")[0] not in channels or pair.partition(":")[2] not in groups]
    if bad:
        errors["off"] = _("未知的渠道或通知类型：%(v)s") % {"v": "、".join(bad)}
    if not 0 <= int(digest_hour) <= 23:
        errors["digest_hour"] = _("每日汇总时间须为 0–23 时。")
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end" if quiet_end is None else "quiet_start"] = _("免打扰须同时填写开始和结束时间。")
    elif quiet_start is not None and quiet_start == quiet_end:
        errors["quiet_end"] = _("免打扰的开始和结束时间不能相同。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        pref, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        pref.off = sorted(set(off))
        pref.daily_digest = bool(daily_digest)
        pref.digest_hour = int(digest_hour)
        pref.quiet_start, pref.quiet_end = quiet_start, quiet_end
        pref.save()
        if not pref.daily_digest:
            # Nothing waits for a digest that is no longer wanted: what was held goes out now.
            Delivery.objects.filter(recipient=user, status=DeliveryStatus.HELD).update(
                status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), note=""
            )
    return pref
