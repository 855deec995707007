"""One reminder pass, now (what beat runs every five minutes), printing what it created."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from chuangcheng.notifications.reminders import reminders_dispatch


class Command(BaseCommand):
    help = "运行一次提醒派发：把到期、超期和升级提醒写入投递记录，并打印新建的记录。"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="以该时刻运行（ISO 8601，如 2026-11-23T09:00+08:00），用于核对规则")

    def handle(self, *args, now=None, **options):
        moment = None
        if now:
            moment = parse_datetime(now)
            if moment is None:
                raise CommandError(f"--now: not an ISO 8601 datetime: {now!r}")
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        result = reminders_dispatch(now=moment)
        total = 0
        for rule, rows in sorted(result.items()):
            total += len(rows)
            channels = {}
            for row in rows:
                channels[row.channel] = channels.get(row.channel, 0) + 1
            summary = ", ".join(f"{name} {n}" for name, n in sorted(channels.items()))
            self.stdout.write(f"{rule}: {len(rows)} ({summary})" if rows else f"{rule}: 0")
            if options["verbosity"] >= 2:
                for row in rows:
                    self.stdout.write(
                        f"  {row.subject_key} {row.window} → {row.recipient_id} [{row.channel}/{row.status}] {row.title}"
                    )
        self.stdout.write(self.style.SUCCESS(f"created {total} deliveries"))
