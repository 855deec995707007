from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chuangcheng.org.imports import import_regions
from chuangcheng.tabular import ImportErrors


class Command(BaseCommand):
    help = "导入行政区划（CSV/XLSX：code,name,level,parent_code）。全部行无误才写入；重复导入不产生变化。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="区划文件路径（UTF-8 或 GBK 编码的 CSV，或 .xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        parser.add_argument(
            "--allow-new-roots",
            action="store_true",
            help="上级代码不在文件和系统中的顶级行作为新的根区划（首次导入一个市时使用）；不加时报错",
        )
        parser.add_argument("--show-missing", type=int, default=20, help="最多列出多少个文件未列出的区划")

    def handle(self, *args, file, dry_run, show_missing, allow_new_roots, **options):
        try:
            result = import_regions(file, dry_run=dry_run, allow_new_roots=allow_new_roots)
        except ImportErrors as exc:
            raise CommandError(_("导入失败，未写入任何数据：\n%(errors)s") % {"errors": exc}) from None
        prefix = _("【试运行，未写入】") if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + result.summary()))
        if result.no_longer_listed:
            self.stdout.write(self.style.WARNING(_("以下区划在系统中存在、但本文件未列出（已保留，未删除）：")))
            for code, name in result.no_longer_listed[:show_missing]:
                self.stdout.write(f"  {code} {name}")
            if len(result.no_longer_listed) > show_missing:
                self.stdout.write(_("  ……共 %(n)s 个") % {"n": len(result.no_longer_listed)})
