from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chuangcheng.tabular import ImportErrors
from inspections.imports import import_categories

DEFAULT_FILE = settings.BASE_DIR / "data" / "case_categories.csv"


class Command(BaseCommand):
    help = (
        "导入问题类别（数字城管部件/事件，CSV/XLSX：code,type,major,minor,name,time_limit,source），"
        "并补充创建专项类别。全部行无误才写入；重复导入不会重复新增。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE), help="默认 data/case_categories.csv")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        parser.add_argument(
            "--local-extensions", action="store_true", help="也导入其他城市的地方扩展类别（大类标有“地方扩展”）"
        )
        parser.add_argument(
            "--source",
            action="append",
            dest="code_lists",
            metavar="SOURCE",
            help="只导入来源（source 列）为此值的行，可重复；默认全部",
        )
        parser.add_argument(
            "--no-campaign-categories", action="store_true", help="不补充创建专项类别（公益广告、病媒生物等）"
        )

    def handle(self, *args, file, dry_run, no_campaign_categories, local_extensions, code_lists, **options):
        try:
            result = import_categories(
                file,
                dry_run=dry_run,
                campaign_categories=not no_campaign_categories,
                local_extensions=local_extensions,
                code_lists=code_lists,
            )
        except ImportErrors as exc:
            raise CommandError(_("导入失败，未写入任何数据：\n%(errors)s") % {"errors": exc}) from None
        prefix = _("【试运行，未写入】") if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + result.summary()))
