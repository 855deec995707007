"""manage.py import_calendar FILE [--dry-run]: load a 国务院办公厅 holiday notice (放假 / 调休上班
date ranges) into the working calendar. ``data/holidays_cn.csv`` is the bundled file."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chuangcheng.org.holidays import calendar_import
from chuangcheng.tabular import ImportErrors


class Command(BaseCommand):
    help = "导入国务院办公厅节假日安排（年份,节日,类型,开始日期,结束日期,依据；类型为 放假 或 调休上班）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV 或 .xlsx，格式见 data/holidays_cn.csv")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")

    def handle(self, *args, file, dry_run, **options):
        try:
            plan = calendar_import(file, dry_run=dry_run)
        except ImportErrors as exc:
            raise CommandError(_("导入失败，未写入任何数据：\n%(errors)s") % {"errors": exc}) from None
        prefix = _("【试运行，未写入】") if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + plan.summary()))
