"""Writes made by notification jobs."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import JobHeartbeat


def heartbeat_record(*, name, hostname=""):
    """Record that ``name`` ran now. Safe under concurrent runs: the counter is an F() update."""
    now = timezone.now()
    with transaction.atomic():
        beat, created = JobHeartbeat.objects.get_or_create(
            name=name, defaults={"last_run_at": now, "run_count": 1, "hostname": hostname}
        )
        if not created:
            JobHeartbeat.objects.filter(pk=beat.pk).update(
                last_run_at=now, run_count=F("run_count") + 1, hostname=hostname
            )
    return JobHeartbeat.objects.get(name=name)


def notice_send(*, recipients, title, body="", url="", kind):
    """Create one in-app notice per recipient (call inside the transaction of the change)."""
    from .models import Notice

    seen, notices = set(), []
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        notices.append(Notice(recipient=user, title=title[:200], body=body, url=url, kind=kind))
    return Notice.objects.bulk_create(notices)


def unit_people(unit_ids, roles=("staff", "unit_head")):
    """The active people holding ``roles`` in the given units."""
    from chuangcheng.org.models import User

    return User.objects.filter(
        is_active=True, memberships__unit_id__in=list(unit_ids), memberships__role__in=list(roles)
    ).distinct()
