"""python -m chuangcheng.bench.partitioning URL [--rows 3000000] [--runs 7] [--keep]

Partitioning by year, measured on a synthetic table shaped like ``inspections_issue`` (the columns
the heavy queries touch). It creates the database of URL (it must not exist), fills one plain
table and one table partitioned by ``created_at`` year (PostgreSQL declarative partitioning)
with the same rows from ``generate_series``, gives both the same indexes, and times each query
with ``EXPLAIN (ANALYZE, FORMAT JSON)``: the median server-side execution time of ``--runs``
runs after one warm-up, and the partitions the plan touched. Then it drops the database (unless
``--keep``). Prints a Markdown table for docs/scaling.md. Not product code: a measurement.
"""

import argparse
import statistics
import time
from urllib.parse import urlparse

import psycopg2
from psycopg2 import sql

YEARS = (2024, 2025, 2026)
REGIONS = 2000  # communities of a big city

COLUMNS = """
    id bigint NOT NULL,
    campaign_id bigint NOT NULL,
    region_id bigint NOT NULL,
    category_id bigint NOT NULL,
    responsible_unit_id bigint,
    severity varchar(15) NOT NULL,
    state varchar(12) NOT NULL,
    description text NOT NULL,
    address varchar(200) NOT NULL,
    rectification_deadline timestamptz,
    closed_at timestamptz,
    created_at timestamptz NOT NULL
"""

# 3 years of issues, evenly spread; state by age (old ones mostly closed).
FILL = """
INSERT INTO {table}
SELECT g,
       1 + g % 3,
       1 + (g * 7919) % {regions},
       1 + g % 120,
       1 + g % 480,
       (ARRAY['normal','normal','normal','serious','negative_list'])[1 + g % 5],
       CASE WHEN g % 10 < 8 - (g * 3 / {rows}) * 2 THEN 'closed'
            ELSE (ARRAY['assigned','rectifying','submitted','reported'])[1 + g % 4] END,
       'synthetic issue ' || g,
       'street ' || (g % 997),
       ts + interval '5 days',
       CASE WHEN g % 10 < 6 THEN ts + interval '3 days' END,
       ts
FROM (SELECT g, timestamptz '{start}-01-01 00:00+08' + (g::float8 / {rows}) * interval '{years} years' AS ts
      FROM generate_series(1::bigint, {rows}) AS g) s
"""

INDEXES = [
    "CREATE INDEX ON {table} (created_at)",
    "CREATE INDEX ON {table} (region_id, created_at)",
    "CREATE INDEX ON {table} (state, rectification_deadline)",
]

QUERIES = [
    (
        "count of one year (2025)",
        "SELECT count(*) FROM {table} WHERE created_at >= '2025-01-01 00:00+08' AND created_at < '2026-01-01 00:00+08'",
    ),
    (
        "latest 50 in a region",
        "SELECT id, state, created_at FROM {table} WHERE region_id = 77 ORDER BY created_at DESC LIMIT 50",
    ),
    (
        "latest 50 in a region, this year",
        "SELECT id, state, created_at FROM {table} WHERE region_id = 77 AND created_at >= '2026-01-01 00:00+08' "
        "ORDER BY created_at DESC LIMIT 50",
    ),
    ("one row by id", "SELECT * FROM {table} WHERE id = 1234567"),
    (
        "one row by id and created_at",
        "SELECT * FROM {table} WHERE id = 1234567 AND created_at = '{created_at}'",
    ),
    (
        "open and overdue, one month's deadlines",
        "SELECT count(*) FROM {table} WHERE state IN ('assigned','rectifying','submitted','reported') "
        "AND rectification_deadline >= '2026-06-01 00:00+08' AND rectification_deadline < '2026-07-01 00:00+08'",
    ),
]


def _connect(url, dbname=None):
    p = urlparse(url)
    conn = psycopg2.connect(
        host=p.hostname,
        port=p.port or 5432,
        user=p.username,
        password=p.password,
        dbname=dbname or p.path.lstrip("/"),
    )
    conn.autocommit = True
    return conn


def _timed(cursor, statement):
    t = time.perf_counter()
    cursor.execute(statement)
    return time.perf_counter() - t


def setup(cursor, rows):
    steps = {}
    cursor.execute(f"CREATE TABLE issue_plain ({COLUMNS}, PRIMARY KEY (id))")
    # The partition key must be part of the primary key (and of every unique constraint).
    cursor.execute(f"CREATE TABLE issue_part ({COLUMNS}, PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at)")
    for year in (*YEARS, YEARS[-1] + 1):
        cursor.execute(
            f"CREATE TABLE issue_part_{year} PARTITION OF issue_part "
            f"FOR VALUES FROM ('{year}-01-01 00:00+08') TO ('{year + 1}-01-01 00:00+08')"
        )
    args = {"rows": rows, "regions": REGIONS, "start": YEARS[0], "years": len(YEARS)}
    steps["fill plain"] = _timed(cursor, FILL.format(table="issue_plain", **args))
    steps["fill partitioned"] = _timed(cursor, "INSERT INTO issue_part SELECT * FROM issue_plain")
    for table in ("issue_plain", "issue_part"):
        t = time.perf_counter()
        for index in INDEXES:
            cursor.execute(index.format(table=table))
        steps[f"indexes {table}"] = time.perf_counter() - t
        steps[f"vacuum analyze {table}"] = _timed(cursor, f"VACUUM ANALYZE {table}")
    return steps


def _scans(plan):
    """The relations a plan read (partitions that survived pruning)."""
    found = []
    if "Relation Name" in plan:
        found.append(f"{plan['Relation Name']}: {plan['Node Type']}")
    for child in plan.get("Plans", []):
        found.extend(_scans(child))
    return found


def measure(cursor, runs):
    cursor.execute("SELECT created_at FROM issue_plain WHERE id = 1234567")
    created_at = cursor.fetchone()[0].isoformat()
    results = []
    for label, query in QUERIES:
        row = {"query": label}
        for table in ("issue_plain", "issue_part"):
            statement = query.format(table=table, created_at=created_at)
            times = []
            for i in range(runs + 1):
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")
                plan = cursor.fetchone()[0][0]
                if i:
                    times.append(plan["Execution Time"])
            row[table] = statistics.median(times)
            row[f"{table} scans"] = sorted(set(_scans(plan["Plan"])))
            row["sql"] = query.format(table="T", created_at=created_at)
        results.append(row)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    name = urlparse(args.url).path.lstrip("/")
    admin = _connect(args.url, "postgres")
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        conn = _connect(args.url)
        with conn.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")  # a shared 2-core machine
            steps = setup(cursor, args.rows)
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('issue_plain'))")
            size = cursor.fetchone()[0]
            results = measure(cursor, args.runs)
        conn.close()
    finally:
        if not args.keep:
            with admin.cursor() as cursor:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()
    print(f"rows: {args.rows:,}; plain table with indexes: {size}")
    print("setup: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()))
    print()
    print("| query | not partitioned: ms (scan) | partitioned by year: ms | partitions read (scan) |")
    print("|---|---:|---:|---|")
    for r in results:
        plain = ", ".join(s.split(": ")[1] for s in r["issue_plain scans"])
        parts = ", ".join(s.removeprefix("issue_part_") for s in r["issue_part scans"])
        print(f"| {r['query']} | {r['issue_plain']:.2f} ({plain}) | {r['issue_part']:.2f} | {parts} |")
    print()
    for r in results:
        print(f"- {r['query']}: `{r['sql']}`")


if __name__ == "__main__":
    main()
