from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import Standard
from chuangcheng.tabular import ImportErrors
from evaluations.imports import import_checklist, plan_checklist


class Command(BaseCommand):
    help = "导入实地考察细则（CSV/XLSX：点位类型、考察内容、指标编号、扣分、不合格须拍照、负面清单、问题类别）。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--standard", required=True, help="测评体系名称")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")

    def handle(self, *args, file, standard, dry_run, **options):
        found = Standard.objects.filter(name=standard).order_by("-pk").first()
        if found is None:
            raise CommandError(_("测评体系“%(s)s”不存在，请先导入测评体系。") % {"s": standard})
        try:
            plan = (plan_checklist if dry_run else import_checklist)(file, standard=found)
        except ImportErrors as exc:
            raise CommandError(_("导入失败，未写入任何数据：\n%(errors)s") % {"errors": exc}) from None
        prefix = _("【试运行，未写入】") if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + plan.summary()))
