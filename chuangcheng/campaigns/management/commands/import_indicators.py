from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chuangcheng.campaigns.imports import import_indicators
from chuangcheng.tabular import ImportErrors


class Command(BaseCommand):
    help = (
        "导入测评体系指标（CSV/XLSX：code,parent_code,name,max_score,method,negative_list,description，或中文表头）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--standard", required=True, help="测评体系名称（不存在则新建）")
        parser.add_argument("--standard-version", dest="standard_version", default="", help="测评体系版本，如 2021版")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")

    def handle(self, *args, file, standard, standard_version, dry_run, **options):
        try:
            result = import_indicators(file, standard_name=standard, version=standard_version, dry_run=dry_run)
        except ImportErrors as exc:
            raise CommandError(_("导入失败，未写入任何数据：\n%(errors)s") % {"errors": exc}) from None
        prefix = _("【试运行，未写入】") if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + result.summary()))
