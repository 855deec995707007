import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from chuangcheng.bench import scale


class Command(BaseCommand):
    help = "生成城市规模的测试数据（仅 PostgreSQL）：郑州区划+网格、≈500 个单位、≈5,000 名人员、任务与问题。"

    def add_arguments(self, parser):
        parser.add_argument("--issues", type=int, default=0, help="问题数（含事件、照片记录）")
        parser.add_argument("--tasks", type=int, default=0, help="任务数")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--anchor",
            help="以哪一天为数据的最后一天（YYYY-MM-DD），同一种子与日期生成相同数据。默认为 25 小时前的那一天："
            "该日的问题登记到 18 时、签收可晚至次日 1 时，生成的时间便都早于现在（不会有“将来”才交办的问题）",
        )

    def handle(self, *args, issues, tasks, seed, anchor, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale 需要 PostgreSQL：请设置 DATABASE_URL=postgres://…")
        if anchor:
            anchor_day = timezone.datetime.fromisoformat(anchor).date()
        else:  # the last day whose generated times (to 01:00 the day after) are all past
            anchor_day = (timezone.localtime() - timezone.timedelta(hours=25)).date()
        rng = scale.make_rng(seed)
        started = time.monotonic()

        def log(message):
            self.stdout.write(f"[{time.monotonic() - started:7.1f}s] {message}")

        world = scale.build_world(rng=rng, anchor=anchor_day, log=log)
        if tasks:
            scale.build_tasks(world, count=tasks, rng=rng, anchor=anchor_day, log=log)
        if issues:
            from chuangcheng.bench import scale_issues

            scale_issues.build_issues(world, count=issues, rng=rng, anchor=anchor_day, log=log)
        scale.analyze()
        log(self.style.SUCCESS("done"))
