"""Demo 档案资料 (run by ``seed_demo``): the demo campaign's document-evaluated indicators get
their required materials, half of the dossier handed in — some approved, one returned with a
reason, one waiting for review, the rest missing — through the same services the pages use.

Idempotent: a requirement that exists is left as it is, and materials are only added to a
requirement that has none.
"""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.org.models import Membership, Unit
from dossiers import services
from dossiers.demo import demo_file
from dossiers.models import Requirement
from dossiers.rules import needs_dossier_q

# (indicator code, material, responsible unit — a department's name or "street" for the demo
# street office of jingbanren/fuzeren —, years, what happens: approved / returned / pending / missing)
PLAN = [
    ("1.1", "爱卫会组织机构及成员调整文件", "郑州市卫生健康委员会", (2024, 2026), "approved"),
    ("1.1", "爱国卫生工作经费预算及拨付凭证", "郑州市卫生健康委员会", (2024, 2026), "approved"),
    ("1.2", "爱卫会全体会议纪要", "郑州市卫生健康委员会", (2024, 2026), "returned"),
    ("1.2", "街道爱国卫生工作会议记录", "street", (2025, 2026), "pending"),
    ("2.1", "健康素养监测报告", "郑州市卫生健康委员会", (2025, 2025), "approved"),
    ("4.1", "年度环境空气质量公报", "郑州市生态环境局", (2024, 2025), "approved"),
    ("4.2", "集中式饮用水水源地水质监测报告", "郑州市生态环境局", (2024, 2026), "missing"),
    ("6.1", "食品安全责任制落实文件", "郑州市市场监督管理局", (2024, 2026), "pending"),
    ("6.2", "近三年食品安全事故情况说明", "郑州市市场监督管理局", (2024, 2026), "missing"),
    ("7.1", "法定传染病报告质量评估报告", "郑州市卫生健康委员会", (2025, 2025), "missing"),
    ("7.2", "近三年传染病疫情情况说明", "郑州市卫生健康委员会", (2024, 2026), "missing"),
    ("8.1", "病媒生物防制工作方案及经费文件", "郑州市卫生健康委员会", (2025, 2026), "approved"),
]


class Command(BaseCommand):
    help = "演示数据：档案资料（材料要求、已通过/退回/待审/缺项的材料）。"

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(status="active", standards__isnull=False).order_by("pk").first()
        if campaign is None:
            self.stdout.write("seed_demo_dossiers: no active campaign with a standard; nothing to do.")
            return
        office_supervisor = (
            Membership.objects.filter(unit=campaign.office_unit, role="supervisor").select_related("user").first()
        )
        if office_supervisor is None:
            self.stdout.write("seed_demo_dossiers: the campaign office has no supervisor; nothing to do.")
            return
        reviewer = office_supervisor.user
        indicators = {
            i.code: i for i in Indicator.objects.filter(standard__in=campaign.standards.all()).filter(needs_dossier_q())
        }
        # The demo street office of jingbanren (经办人) and fuzeren (单位负责人), so they have one.
        streets = Membership.objects.filter(role="staff", unit__kind="territorial", unit__level="street")
        street = (
            streets.filter(user__username="jingbanren").values_list("unit_id", flat=True).first()
            or streets.order_by("unit__region__code").values_list("unit_id", flat=True).first()
        )
        created = 0
        today = timezone.localdate()
        with transaction.atomic():
            for n, (code, name, owner, years, outcome) in enumerate(PLAN):
                indicator = indicators.get(code)
                unit = (
                    Unit.objects.filter(pk=street).first()
                    if owner == "street"
                    else Unit.objects.filter(name=owner).first()
                )
                if indicator is None or unit is None:
                    continue
                requirement = Requirement.objects.filter(campaign=campaign, indicator=indicator, name=name).first()
                if requirement is None:
                    requirement = services.requirement_create(
                        actor=reviewer,
                        campaign=campaign,
                        indicator=indicator,
                        name=name,
                        units=[unit],
                        year_from=years[0],
                        year_to=years[1],
                        deadline=today + dt.timedelta(days=(n % 4) * 7 - 3),
                        description=f"{years[0]}—{years[1]} 年度{name}，加盖公章的扫描件或电子文件。",
                    )
                    created += 1
                if outcome == "missing" or requirement.materials.exists():
                    continue
                uploader = (
                    Membership.objects.filter(unit=unit, role__in=("staff", "unit_head")).select_related("user").first()
                )
                if uploader is None:
                    continue
                year = years[1] if years[1] <= today.year else today.year
                version = services.material_upload(
                    actor=uploader.user,
                    requirement_id=requirement.pk,
                    file=demo_file(f"{year}年{name}", n),
                    title=f"{year}年{name}",
                    document_number=f"郑卫〔{year}〕{10 + n}号" if n % 2 == 0 else "",
                    document_date=dt.date(year, 3, 1 + n),
                )
                if outcome == "approved":
                    services.material_approve(actor=reviewer, material_id=version.material_id, comment="材料齐全。")
                elif outcome == "returned":
                    services.material_return(
                        actor=reviewer,
                        material_id=version.material_id,
                        reason="缺少会议签到表和参会领导签字页，请补充后重新上传。",
                    )
        self.stdout.write(_("演示档案资料：新建材料要求 %(n)s 项。") % {"n": created})
