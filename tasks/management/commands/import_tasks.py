from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import Campaign
from chuangcheng.org.models import User
from chuangcheng.tabular import ImportErrors
from tasks.imports import import_tasks


class Command(BaseCommand):
    help = "导入任务分解表（.xlsx 或 CSV）。全部行无误才写入；已存在的任务（序号+任务名称相同）跳过。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--campaign", type=int, required=True, help="创建活动 ID")
        parser.add_argument("--user", help="记为导入人的用户名（督查员或管理员）；不填则记为系统导入")
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并预览（逐行列出每个单元格的识别结果），不写入"
        )
        parser.add_argument(
            "--allow-unlinked-leaders",
            action="store_true",
            help="责任领导不是系统中的包保领导时不报错：保存为文字并标为“未关联”（该领导收不到提醒）",
        )

    def handle(self, *args, file, campaign, user, dry_run, allow_unlinked_leaders, **options):
        try:
            campaign_obj = Campaign.objects.get(pk=campaign)
        except Campaign.DoesNotExist:
            raise CommandError(_("创建活动 %(id)s 不存在。") % {"id": campaign}) from None
        actor = None
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(_("用户 %(u)s 不存在。") % {"u": user})
        try:
            result = import_tasks(
                file,
                campaign=campaign_obj,
                actor=actor,
                dry_run=dry_run,
                allow_unlinked_leaders=allow_unlinked_leaders,
            )
        except ImportErrors as exc:
            partial = getattr(exc, "plan", None)
            if dry_run and partial is not None:  # what every other row resolved to, then the errors
                for line in partial.report_lines():
                    self.stdout.write(line)
            raise CommandError(_("导入失败，未写入任何数据：\n%(errors)s") % {"errors": exc}) from None
        if dry_run:
            for line in result.report_lines():
                self.stdout.write(line)
        for line, warning in result.warnings:
            self.stdout.write(self.style.WARNING(_("第 %(line)s 行：%(msg)s") % {"line": line, "msg": warning}))
        prefix = _("【预览，未写入】") if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + result.summary()))
