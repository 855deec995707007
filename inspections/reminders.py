"""Issues's contribution to the reminder pass (:mod:`chuangcheng.notifications.reminders`): one
``Window`` per rule over the rectification deadline of the issues whose clock runs (the
``insp_issue_state_deadline`` index) and one over the sign-by time (签收超时), whose rows become
``Due`` items. Registered at ``ready()``."""

import datetime as dt
from functools import partial

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chuangcheng.notifications.reminders import UNIT_ROLES, Due, Window, before_windows, overdue_steps, start_of
from chuangcheng.wording import labelled

from .models import CLOCK_STATES, Issue

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


def _ahead(smaller, hours):
    """Bounds of a before-window: deadlines in [t + smaller, t + hours)."""
    return lambda t: (t + dt.timedelta(hours=smaller), t + dt.timedelta(hours=hours))


def _overdue(first, end):
    """Bounds of an overdue step: local deadline date in (today - end, today - first], and past."""

    def bounds(t):
        today = timezone.localdate(t)
        return start_of(today - dt.timedelta(days=end - 1)), min(t, start_of(today - dt.timedelta(days=first - 1)))

    return bounds


def issue_windows(now, rules):
    groups = rules["issue_before_hours"]
    named = [severity for severity in groups if severity != "*"]
    clock = Issue.objects.filter(state__in=CLOCK_STATES)
    windows = []
    for severity, hours in groups.items():
        qs = clock.exclude(severity__in=named) if severity == "*" else clock.filter(severity=severity)
        for h, smaller in before_windows(hours):
            # the clock is running and the deadline lies in [now + smaller, now + h). A severity
            # with its own hours (负面清单) is urgent: never folded into a digest.
            label = f"T-{h}h"
            to = tuple(rules.get("before_to", UNIT_ROLES))
            due = partial(_deadline_due, now=now, label=label, kind="reminder", to=to, urgent=severity != "*")
            windows.append(
                Window(f"{label}:{severity}", qs, "rectification_deadline", _ahead(smaller, h), ISSUE_FIELDS, due)
            )
    for step, first, end in overdue_steps(rules):
        label = f"D{step['days']}"
        due = partial(_deadline_due, now=now, label=label, kind=step["kind"], to=tuple(step["to"]), urgent=False)
        windows.append(Window(label, clock, "rectification_deadline", _overdue(first, end), ISSUE_FIELDS, due))
    return windows


def _deadline_due(row, *, now, label, kind, to, urgent):
    pk, category, _address, deadline = row[:4]
    local = timezone.localtime(deadline)
    if deadline >= now:
        left = deadline - now
        heading = _("问题整改即将到期（剩余 %(h)s 小时 %(m)s 分）") % {
            "h": int(left.total_seconds() // 3600),
            "m": int(left.total_seconds() % 3600 // 60),
        }
    else:
        days = (timezone.localdate(now) - local.date()).days
        if not days:
            heading = _("问题已超过整改时限")
        elif kind == "escalation":
            heading = ngettext("超期升级：问题已超期 %(n)s 天", "超期升级：问题已超期 %(n)s 天", days) % {"n": days}
        else:
            heading = ngettext("问题已超期 %(n)s 天", "问题已超期 %(n)s 天", days) % {"n": days}
    body = _("整改时限 %(d)s；责任单位 %(u)s；地址 %(a)s")
    title = labelled(heading, f"#{pk} {category}")
    due = _issue_due(row, f"issue {label}", kind, to, local, label, title, body)
    due.urgent = urgent
    return due


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


def sign_windows(now, rules):
    """签收超时: an issue still waiting for its unit to sign after its sign-by time (the
    rectification clock only starts at 签收, so an unsigned issue would otherwise sit silently).
    Once per sign-by time, to whom ``issue_sign_overdue_to`` names; not while the unit's request
    to hand it back awaits a supervisor. A pass missed by up to ``catch_up_days`` is made up
    (the ``insp_issue_unsigned`` index)."""
    to = tuple(rules.get("issue_sign_overdue_to", ()))
    if not to:
        return []
    days = rules.get("catch_up_days", 2) + 1
    unsigned = Issue.objects.filter(state="assigned", signed_at__isnull=True, pending_request="")
    return [
        Window(
            "S0",
            unsigned,
            "sign_deadline",
            lambda t: (t - dt.timedelta(days=days), t),
            ("sign_deadline", *ISSUE_FIELDS),
            partial(_sign_due, to=to),
        )
    ]


def _sign_due(row, *, to):
    sign_by, *row = row
    local = timezone.localtime(sign_by)
    title = _("问题交办后未按时签收：#%(pk)s %(c)s") % {"pk": row[0], "c": row[1]}
    body = _("签收时限 %(d)s；责任单位 %(u)s；地址 %(a)s")
    return _issue_due(row, "issue S0", "overdue", to, local, "S0", title, body)
