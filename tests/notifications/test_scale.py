"""The reminder pass at scale on PostgreSQL: N issues, 5,000 due — every due one reminded once,
a re-run adds nothing; the timings are printed, not asserted (CI timings are too noisy).

The rows are copies of one issue made through the services (INSERT … SELECT generate_series),
with deadlines spread over a year and 5,000 inside the next day. ``REMINDER_BENCH_ISSUES``
sets N: 100,000 in the suite; the published figure (docs/performance.md) is measured with
``REMINDER_BENCH_ISSUES=1000000 pytest -s tests/notifications/test_scale.py`` on PostgreSQL."""

import os
import time

import pytest
from django.db import connection
from django.utils import timezone

from chuangcheng.notifications.models import Delivery
from chuangcheng.notifications.reminders import reminders_dispatch
from inspections.models import Issue

TOTAL = int(os.environ.get("REMINDER_BENCH_ISSUES", "100000"))
DUE = 5000


def clone_issues(template, *, count, deadline_sql, state_sql, closed_sql):
    columns = [f.column for f in Issue._meta.concrete_fields if f.column != "id" and not f.generated]
    varied = {
        "rectification_deadline": deadline_sql,
        "state": state_sql,
        "closed_at": closed_sql,
        "tracking_code": "''",
    }
    select = ", ".join(varied.get(c, f"t.{connection.ops.quote_name(c)}") for c in columns)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO inspections_issue ({names}) SELECT {select} "
            f"FROM inspections_issue t, generate_series(1, %s) AS g(i) WHERE t.id = %s",
            [count, template.pk],
        )


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_pass_over_many_issues_reminds_each_of_5000_due_once(make_issue, settings):
    settings.DIGEST_THRESHOLD = None  # one row per item here; digests have their own tests
    template = make_issue("rectifying")  # 一般: reminded 24 h before
    Delivery.objects.all().delete()
    now = timezone.now()
    # Background: deadlines 10–365 days away on either side; 70 % closed, the rest rectifying.
    clone_issues(
        template,
        count=TOTAL - DUE,
        deadline_sql=(
            "now() + (CASE WHEN g.i %% 2 = 0 THEN 1 ELSE -1 END) * (interval '10 days' + (g.i %% 355) * interval '1 day')"
            " + (g.i %% 1440) * interval '1 minute'"
        ),
        state_sql="CASE WHEN g.i %% 10 < 7 THEN 'closed' ELSE 'rectifying' END",
        closed_sql="CASE WHEN g.i %% 10 < 7 THEN now() ELSE NULL END",
    )
    # Due: 5,000 deadlines within the next 23 hours.
    clone_issues(
        template,
        count=DUE - 1,
        deadline_sql="now() + interval '10 minutes' + (g.i %% 1380) * interval '1 minute'",
        state_sql="'rectifying'",
        closed_sql="NULL",
    )
    Issue.objects.filter(pk=template.pk).update(rectification_deadline=now + timezone.timedelta(hours=2))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inspections_issue")
    assert Issue.objects.count() == TOTAL

    started = time.monotonic()
    result = reminders_dispatch(now=now + timezone.timedelta(seconds=30))
    first = time.monotonic() - started
    created = sum(len(rows) for rows in result.values())
    assert created == DUE * 2 * 2  # staff and head, in-app and email

    started = time.monotonic()
    again = reminders_dispatch(now=now + timezone.timedelta(seconds=60))
    second = time.monotonic() - started
    assert sum(len(rows) for rows in again.values()) == 0

    print(f"\nreminder pass over {TOTAL:,} issues: first {first:.2f} s ({created:,} rows), re-run {second:.2f} s")
