import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from inspections import daytally, tally


class Command(BaseCommand):
    help = (
        "按问题表重算问题计数（各状态、各整改时限日的问题数）和每日计数（登记、交办、销号、应销号及核查、"
        "退回、反弹、延期等事件），与计数表逐格比对，修正不一致处"
        "（每处记一条警告日志）。批量导入（COPY、bulk_create）之后运行；每晚的定时作业也做同样的事。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="不逐格记警告日志（批量导入之后，计数本就落后）")
        parser.add_argument("--events", action="store_true", help="同时核对每个问题的状态与其最后一条状态记录")

    def handle(self, *args, quiet, events, **options):
        started = time.monotonic()
        repaired = tally.recompute(log=not quiet)
        self.stdout.write(
            _("问题计数：修正 %(n)s 格，用时 %(s).1f 秒。") % {"n": repaired, "s": time.monotonic() - started}
        )
        started = time.monotonic()
        repaired = daytally.recompute(log=not quiet)
        self.stdout.write(
            _("每日计数：修正 %(n)s 格，用时 %(s).1f 秒。") % {"n": repaired, "s": time.monotonic() - started}
        )
        if events:
            started = time.monotonic()
            wrong, ids = tally.check_events()
            self.stdout.write(
                _("状态与最后一条状态记录不一致的问题：%(n)s 个%(ids)s，用时 %(s).1f 秒。")
                % {
                    "n": wrong,
                    "ids": f"（{', '.join(map(str, ids))}…）" if ids else "",
                    "s": time.monotonic() - started,
                }
            )
