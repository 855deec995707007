import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from chuangcheng.campaigns.models import Campaign
from chuangcheng.exceptions import ApplicationError
from chuangcheng.humantime import day_range
from chuangcheng.org.models import Region
from chuangcheng.reports.briefings import briefing_build, scheduled_regions
from chuangcheng.reports.figures import scoring_for
from chuangcheng.reports.models import BriefingKind


class Command(BaseCommand):
    help = (
        "生成通报：build_briefing daily|weekly|monthly [--date D] [--campaign ID] [--region CODE] [--publish|--draft]。"
        "默认为刚结束的统计期、所有进行中的创建活动、全市及各区县；已生成的不会重复生成。"
        "是否直接发布（取文号）默认按创建活动的定时通报规则，--publish / --draft 可指定。"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=BriefingKind.values)
        parser.add_argument("--date", help="统计期内的任一天（YYYY-MM-DD），默认昨天")
        parser.add_argument("--campaign", type=int, help="创建活动 ID，默认所有进行中的活动")
        parser.add_argument("--region", help="区划代码，默认全市及各区县")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--publish", action="store_true", help="生成后直接发布（取文号并发送）")
        mode.add_argument("--draft", action="store_true", help="只生成草稿，待审核发布")
        parser.add_argument("--requirements", default="", help="下步工作要求（随 --publish 发布时写入）")

    def handle(self, *args, kind, date, campaign, region, publish, draft, requirements, **options):
        day = None
        if date:
            try:
                day = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{date}") from None
        if campaign is not None:
            campaigns = list(Campaign.objects.filter(pk=campaign).select_related("region"))
            if not campaigns:
                raise CommandError(f"没有 ID 为 {campaign} 的创建活动。")
        else:
            campaigns = list(Campaign.objects.active().select_related("region").order_by("pk"))
            if not campaigns:
                raise CommandError("没有进行中的创建活动。")
        target = None
        if region:
            target = Region.objects.filter(code=region).first()
            if target is None:
                raise CommandError(f"没有代码为 {region} 的区划。")
        failures = 0
        for c in campaigns:
            publishes = publish or (not draft and scoring_for(c).auto_publishes(kind))
            shared = {}  # the regions of one period share reads (the city's flows by kind)
            for r in [target] if target else scheduled_regions(c):
                try:
                    briefing, created = briefing_build(
                        campaign=c,
                        kind=kind,
                        day=day,
                        region=r,
                        publish=publishes,
                        requirements=requirements,
                        shared=shared,
                    )
                except ApplicationError as error:
                    failures += 1
                    self.stderr.write(f"{c.name} · {r.name}：{error.message}")
                    continue
                word = "已生成" if created else "已存在"
                number = briefing.document_number or briefing.get_status_display()
                period = day_range(briefing.period_start, briefing.period_end)
                self.stdout.write(f"{word} {number} {briefing.title}（{period}）")
        if failures and failures == sum(1 if target else len(scheduled_regions(c)) for c in campaigns):
            raise CommandError("没有生成任何通报。")
