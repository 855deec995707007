"""python -m chuangcheng.bench.evaluation_score [--sites 500] [--items 30] [--repeat 7] [--write docs/performance.md]

Scoring a 模拟测评 round at size: ``--sites`` sampled sites (in 10 districts) × ``--items``
check items each (spread over 10 indicators), every item answered (one in seven failed, one in
twenty 不涉及), then :func:`evaluations.scoring.round_score` — item → site → indicator →
district → city, the computation the round page, the report, 短板 and the briefing call — is
timed ``--repeat`` times (each a cold call: nothing is cached between them). The rows are written
in one transaction that is rolled back: the database is left as it was.

Runs on whatever DATABASE_URL points at (migrated); the figures in docs/performance.md are on
PostgreSQL.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuangcheng.settings")

import django

django.setup()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

DISTRICTS = 10
INDICATORS = 10


def _world(sites, items):
    from chuangcheng.campaigns.models import Campaign, Indicator, Standard
    from chuangcheng.org.models import Region, Site, Unit, User
    from evaluations.models import Answer, CheckItem, Round, RoundSite

    stamp = time.time_ns()
    city = Region.objects.create(name="基准市", level="city", path="")
    Region.objects.filter(pk=city.pk).update(path=f"/{city.pk}/")
    city.refresh_from_db()
    districts = []
    for d in range(DISTRICTS):
        region = Region.objects.create(name=f"基准{d}区", level="county", parent=city, path="")
        Region.objects.filter(pk=region.pk).update(path=f"{city.path}{region.pk}/")
        region.refresh_from_db()
        districts.append(region)
    unit = Unit.objects.create(name=f"基准单位{stamp}", kind="functional", level="city", region=city)
    user = User.objects.create(username=f"bench-eval-{stamp}")
    standard = Standard.objects.create(name=f"基准测评体系{stamp}", version="bench")
    indicators = [
        Indicator.objects.create(
            standard=standard,
            code=f"9.{n + 1}",
            name=f"指标{n + 1}",
            max_score=Decimal(5),
            sort_key=f"0009.{n + 1:04d}",
        )
        for n in range(INDICATORS)
    ]
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="基准活动", region=city, office_unit=unit, start_date=today, target_date=today + dt.timedelta(days=30)
    )
    campaign.standards.add(standard)
    checks = CheckItem.objects.bulk_create(
        CheckItem(
            standard=standard,
            site_type="main_road",
            text=f"考察内容{n + 1}",
            indicator=indicators[n % INDICATORS],
            points=Decimal("0.5"),
            order=n,
        )
        for n in range(items)
    )
    places = Site.objects.bulk_create(
        Site(site_type="main_road", name=f"基准道路{n}", region=districts[n % DISTRICTS], responsible_unit=unit)
        for n in range(sites)
    )
    round_ = Round.objects.create(
        campaign=campaign,
        number=1,
        name="基准轮次",
        region=city,
        starts_on=today,
        ends_on=today,
        quotas={"main_road": sites // DISTRICTS},
        seed=1,
        created_by=user,
    )
    now = timezone.now()
    round_sites = RoundSite.objects.bulk_create(
        RoundSite(round=round_, site=s, district=districts[n % DISTRICTS], order=n, answered_at=now, answered_by=user)
        for n, s in enumerate(places)
    )
    answers = []
    k = 0
    for rs in round_sites:
        for item in checks:
            k += 1
            result = "fail" if k % 7 == 0 else ("na" if k % 20 == 0 else "pass")
            answers.append(Answer(round_site=rs, item=item, result=result, answered_by=user, answered_at=now))
    Answer.objects.bulk_create(answers, batch_size=5000)
    return round_


def main(argv=None):
    from evaluations import scoring

    parser = argparse.ArgumentParser(prog="python -m chuangcheng.bench.evaluation_score", description=__doc__)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--write", help="write the table into this markdown file (e.g. docs/performance.md)")
    args = parser.parse_args(argv)
    with transaction.atomic():
        print(f"seeding {args.sites} sites × {args.items} items …", flush=True)
        round_ = _world(args.sites, args.items)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE") if connection.vendor == "postgresql" else None
        times = []
        for _ in range(args.repeat):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                score = scoring.round_score(round_)
                times.append(time.perf_counter() - started)
        answers = sum(s.passed + s.failed for s in score.sites)
        transaction.set_rollback(True)
    row = (
        f"| {args.sites} × {args.items} | {answers:,} | {len(score.districts)} | {len(score.city.indicators)} | "
        f"{statistics.median(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms | {len(queries)} |"
    )
    table = "\n".join(
        [
            "| sites × items | answers scored (合格/不合格) | districts | indicators | median | slowest | queries |",
            "|---|---|---|---|---|---|---|",
            row,
        ]
    )
    print(table)
    if args.write:
        from .__main__ import machine, write_section

        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        body = "\n".join(
            [
                "### 模拟测评 round score",
                "",
                f"Measured {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on "
                f"{machine() if connection.vendor == 'postgresql' else connection.vendor}, commit {commit}; "
                f"{args.repeat} cold calls of `evaluations.scoring.round_score` (target: under 1 s).",
                "",
                f"Command: `python -m chuangcheng.bench.evaluation_score --sites {args.sites} --items {args.items}`",
                "",
                table,
            ]
        )
        write_section(args.write, "evaluation-score", body)


if __name__ == "__main__":
    main()
