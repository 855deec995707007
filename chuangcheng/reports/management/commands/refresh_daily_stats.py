from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import Campaign
from chuangcheng.reports.stats import refresh


class Command(BaseCommand):
    help = "刷新仪表盘每日汇总：refresh_daily_stats [--days N] [--campaign ID]。默认今天和昨天、所有进行中的创建活动。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=2, help="刷新最近 N 天（含今天），默认 2")
        parser.add_argument("--campaign", type=int, help="创建活动 ID，默认所有进行中的活动")

    def handle(self, *args, days, campaign, **options):
        campaigns = Campaign.objects.select_related("region")
        campaigns = campaigns.filter(pk=campaign) if campaign else campaigns.active()
        for campaign_id, rows in refresh(campaigns.order_by("pk"), days=max(1, days)).items():
            self.stdout.write(_("创建活动 %(id)s：已刷新每日汇总 %(n)s 行。") % {"id": campaign_id, "n": rows})
