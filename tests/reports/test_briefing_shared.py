"""A build of several regions' briefings (the command, the scheduled job) passes one ``shared``
dict to each: the whole territory's task figures, flows and lists are read once and split by
district. Every briefing's content must be what its own reads give, and the reads must not grow
with the number of districts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chuangcheng.reports import periods
from chuangcheng.reports.briefings import content, scheduled_regions
from tests.reports.test_backlog_snapshot import kinds  # noqa: F401 (fixture)
from tests.reports.test_consistency import data, now  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["weekly", "monthly"])
def test_a_shared_build_gives_each_region_what_its_own_reads_give(data, kinds, campaign, city, now, kind):  # noqa: F811
    start, end = periods.last_finished_period(kind, timezone.localtime(now).date())
    regions = scheduled_regions(campaign)
    assert [r.pk for r in regions] == [campaign.region.pk, city.a.pk, city.b.pk]
    own = {r.pk: content.briefing_content(campaign, kind, start, end, r, now=now) for r in regions}
    listed = [own[r.pk][name] for r in regions[1:] for name in ("overdue_by_unit", "negative_list")] + [
        own[r.pk]["typical"][k] for r in regions[1:] for k in ("worst", "best")
    ]
    assert sum(1 for items in listed if items) >= 4, "the districts' lists have something to compare"
    shared = {}
    with CaptureQueriesContext(connection) as queries:
        built = {r.pk: content.briefing_content(campaign, kind, start, end, r, now=now, shared=shared) for r in regions}
    assert built == own
    own_reads = [
        q["sql"]
        for q in queries.captured_queries
        if "LIMIT 3" in q["sql"] or "LIMIT 100" in q["sql"] and "'negative_list'" in q["sql"]
    ]
    assert not [sql for sql in own_reads if "ROW_NUMBER()" not in sql], "the territory's lists: the districts' merged"
    ranked = [q for q in queries.captured_queries if "ROW_NUMBER()" in q["sql"]]
    assert len(ranked) == 4, "典型问题 (worst, best), overdue by unit and 负面清单: one read each for every region"
    task_reads = [q for q in queries.captured_queries if 'FROM "tasks_task"' in q["sql"] and "GROUP BY" in q["sql"]]
    assert len(task_reads) <= 2 * 2 + 1, "the task figures of this period and the last, and overdue by indicator, once"
