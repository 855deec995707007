"""Issues's contribution to the reminder pass (:mod:`chuangcheng.notifications.reminders`): the
issues (deadlines and 签收超时) due in each rule's window, as ``Due`` items. Registered at ``ready()``."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.notifications.reminders import UNIT_ROLES, Due, before_windows, overdue_steps, start_of

from .models import Issue

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


def issue_dues(now, rules):
    today = timezone.localdate(now)
    groups = rules["issue_before_hours"]
    named = [severity for severity in groups if severity != "*"]
    windows = []  # (label, kind, to, queryset, urgent)
    for severity, hours in groups.items():
        for h, smaller in before_windows(hours):
            # the clock is running and the deadline lies in [now + smaller, now + h)
            qs = Issue.objects.overdue(now=now + dt.timedelta(hours=h)).filter(
                rectification_deadline__gte=now + dt.timedelta(hours=smaller)
            )
            qs = qs.exclude(severity__in=named) if severity == "*" else qs.filter(severity=severity)
            # A severity with its own hours (负面清单) is urgent: never folded into a digest.
            urgent = severity != "*"
            windows.append((f"T-{h}h", "reminder", tuple(rules.get("before_to", UNIT_ROLES)), qs, urgent))
    for step, first, end in overdue_steps(rules):
        # local deadline date in (today - end, today - first]; and already past
        upper = min(now, start_of(today - dt.timedelta(days=first - 1)))
        qs = Issue.objects.overdue(now=upper).filter(
            rectification_deadline__gte=start_of(today - dt.timedelta(days=end - 1))
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


def sign_dues(now, rules):
    """签收超时: an issue still waiting for its unit to sign after its sign-by time (the
    rectification clock only starts at 签收, so an unsigned issue would otherwise sit silently).
    Once per sign-by time, to whom ``issue_sign_overdue_to`` names; not while the unit's request
    to hand it back awaits a supervisor. A pass missed by up to ``catch_up_days`` is made up."""
    to = tuple(rules.get("issue_sign_overdue_to", ()))
    if not to:
        return []
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
