"""python -m chuangcheng.bench [--scenarios a,b] [--repeat N] [--write docs/performance.md]"""

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuangcheng.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from .runner import run_scenario, table  # noqa: E402
from .scenarios import SCENARIOS  # noqa: E402


def scale_summary():
    from django.apps import apps

    counts, tables = {}, set(connection.introspection.table_names())
    for label in ("org.Region", "org.Unit", "org.User", "tasks.Task", "inspections.Issue", "inspections.IssueEvent"):
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if model._meta.db_table in tables:
            counts[model._meta.verbose_name_plural] = model.objects.count()
    return counts


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1048576:.0f} GB RAM, PostgreSQL {pg.split()[0]}, Python {platform.python_version()}"


def write_section(path, label, body):
    """Replace (or add) the section between ``<!-- bench:LABEL -->`` markers."""
    start, end = f"<!-- bench:{label} -->", f"<!-- /bench:{label} -->"
    text = Path(path).read_text(encoding="utf-8") if Path(path).exists() else "# Performance\n"
    block = f"{start}\n{body}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    Path(path).write_text(text, encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m chuangcheng.bench", description=__doc__)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated; default all")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--label", default="", help="section name in the docs, e.g. 1m")
    parser.add_argument("--write", help="write the table into this markdown file (e.g. docs/performance.md)")
    parser.add_argument("--load", action="store_true", help="also run the concurrent load scenario")
    parser.add_argument("--load-seconds", type=int, default=30)
    parser.add_argument("--load-workers", type=int, default=4)
    parser.add_argument(
        "--load-mix",
        action="store_true",
        help="also run the mixed load (issue lists, issue pages, dashboards, 提交核查/核查销号 and task reports)",
    )
    parser.add_argument("--load-clients", type=int, default=16)
    parser.add_argument("--command", default="", help="the command line to record next to the figures")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")

    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        sys.exit(f"unknown scenarios: {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    counts = scale_summary()
    print(f"scale: {counts}")
    results = []
    for name in names:
        print(f"running {name} …", flush=True)
        results.append(run_scenario(SCENARIOS[name], repeat=args.repeat))
    output = table(results)
    print(output)
    notes = [f"- {r.name}: {r.note}" for r in results if r.note]
    load_text = ""
    if args.load:
        from .load import run_load

        load = run_load(seconds=args.load_seconds, workers=args.load_workers)
        load_text = load.markdown()
        print(load_text)
    if args.load_mix:
        from .load_mix import run_mix

        mix = run_mix(seconds=args.load_seconds, workers=args.load_workers, clients=args.load_clients)
        load_text = "\n\n".join(t for t in (load_text, mix.markdown()) if t)
        print(mix.markdown())

    if args.write:
        label = args.label or "default"
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        body = "\n".join(
            [
                f"### Scale: {', '.join(f'{v:,} {k}' for k, v in counts.items())}",
                "",
                f"Measured {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {machine()}, commit {commit}, "
                f"{args.repeat} runs per scenario after 2 warm-ups.",
                "",
                f"Command: `{args.command or ' '.join(['python -m chuangcheng.bench', *(argv or sys.argv[1:])])}`",
                "",
                output,
                "",
                *notes,
                "",
                load_text,
            ]
        )
        write_section(args.write, label, body.rstrip())
        print(f"written to {args.write} (section {label})")


if __name__ == "__main__":
    main()
