"""Timing, query counting and the SQL yardstick."""

import datetime as dt
import json
import statistics
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone


@dataclass
class Scenario:
    """``prepare()`` returns a state dict; ``run(client, state)`` makes the request and returns
    the response; ``sql(state)`` returns ``(statements, params)`` — the hand-written answer.
    ``writes``: the yardstick statements modify data and are rolled back."""

    name: str
    description: str
    prepare: object
    run: object
    sql: object = None
    writes: bool = False
    login: bool = True


@dataclass
class Result:
    name: str
    description: str
    times_ms: list = field(default_factory=list)
    queries: int = 0
    sql_ms: list = field(default_factory=list)
    status: int = 0
    note: str = ""

    @property
    def median(self):
        return statistics.median(self.times_ms)

    @property
    def p95(self):
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def sql_median(self):
        return statistics.median(self.sql_ms) if self.sql_ms else None

    @property
    def ratio(self):
        return self.median / self.sql_median if self.sql_median else None


def explain_ms(statement, params):
    """Planning + execution time of one statement, as PostgreSQL measures it."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Planning Time"] + plan[0]["Execution Time"]


def yardstick_ms(scenario, state):
    statements = scenario.sql(state)
    total = 0.0
    if scenario.writes:
        with transaction.atomic():
            for statement, params in statements:
                total += explain_ms(statement, params)
            transaction.set_rollback(True)
    else:
        for statement, params in statements:
            total += explain_ms(statement, params)
    return total


def analyze_as_autovacuum_would():
    """When the server's autovacuum is off (as on the CI machine), ``ANALYZE`` the tables it
    would have analyzed: changed rows past ``autovacuum_analyze_threshold`` + scale factor ×
    rows. Without it, rows written after the last ``ANALYZE`` (a seed's hourly snapshots, a
    scenario's summary rows) are planned from a table's old statistics — an index range
    expected to hold 1 row that holds 6,856 — which production's autovacuum does not leave.
    Returns the tables analyzed."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('autovacuum')::boolean")
        if cursor.fetchone()[0]:
            return []
        cursor.execute(
            """SELECT quote_ident(schemaname) || '.' || quote_ident(relname) FROM pg_stat_user_tables
            WHERE n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::integer
                + current_setting('autovacuum_analyze_scale_factor')::float * n_live_tup
            ORDER BY 1"""
        )
        tables = [name for (name,) in cursor.fetchall()]
        for name in tables:
            cursor.execute(f"ANALYZE {name}")
    return tables


def snapshot_as_the_hourly_job_would():
    """The backlog snapshots a deployment whose hourly job (``reports.snapshot_backlog``, beat at
    :01) has run for a week holds, taken where missing: this hour's (what the job takes now),
    the same hour a week ago, and every local midnight of the job's catch-up window (15 days).

    A dashboard compares this week with last week as of this hour a week ago, and reads the
    per-unit backlog at this week's first midnight, from those snapshots; without them the
    figures replay the event log (a district's cold overview spent 690 + 413 ms on it at
    1,000,000 issues, a street's 66 + 22 ms) — which users of a running deployment do not
    meet. A freshly seeded bench database has only what the job's catch-up took, the latest
    hours first, so which of those two a run found depended on how many runs came before it.
    The midnights cost some seconds each at 1,000,000 issues, once."""
    from chuangcheng.campaigns.models import Campaign
    from chuangcheng.reports import backlog
    from chuangcheng.reports.jobs import snapshot_backlog

    taken = snapshot_backlog()
    now = timezone.now()
    week_ago = backlog.top_of_hour(now) - dt.timedelta(days=7)
    for campaign in Campaign.objects.active().select_related("region").order_by("pk"):
        for moment in backlog.missing_hours(campaign, now=now):
            if moment == week_ago or backlog.is_midnight(moment):
                backlog.take(campaign, moment)
                taken.setdefault(campaign.pk, []).append(moment.isoformat())
    return taken


def run_scenario(scenario, *, repeat, warmup=2):
    snapshot_as_the_hourly_job_would()
    state = scenario.prepare()
    analyze_as_autovacuum_would()
    client = Client()
    if scenario.login and state.get("user") is not None:
        client.force_login(state["user"])
    result = Result(scenario.name, scenario.description)
    for _ in range(warmup):
        response = scenario.run(client, state)
    for i in range(repeat):
        if hasattr(state.get("user"), "_scope_cache"):
            state["user"]._scope_cache = None
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = scenario.run(client, state)
            result.times_ms.append((time.perf_counter() - started) * 1000)
        if i == 0:
            result.queries = len(ctx.captured_queries)
        if scenario.sql:
            result.sql_ms.append(yardstick_ms(scenario, state))
    result.status = getattr(response, "status_code", 0)
    result.note = state.get("note", "")
    return result


def table(results):
    lines = [
        "| scenario | median ms | p95 ms | SQL queries | hand-written SQL ms | ratio | status |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        sql = f"{r.sql_median:.1f}" if r.sql_median is not None else "—"
        ratio = f"{r.ratio:.1f}×" if r.ratio is not None else "—"
        lines.append(
            f"| {r.name} — {r.description} | {r.median:.1f} | {r.p95:.1f} | {r.queries} | {sql} | {ratio} | {r.status} |"
        )
    return "\n".join(lines)
