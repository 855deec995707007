"""Demo 约谈问责 (run by ``seed_demo`` after the briefings): last month, the office interviewed
the street office with the most overdue issues (its 整改承诺 became a follow-up task), took a
问责 decision (扣分) against a department, and commended a unit and a person; the campaign's
ranking deducts them as its AccountabilityRules say. All through the services.

Idempotent: records already there (by campaign and reason) are not added again.
"""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import services
from accountability.models import AccountabilityRules, Commendation, Decision, Interview
from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.org.models import Membership, Unit
from chuangcheng.reports.models import Briefing
from dossiers.demo import demo_file
from inspections.models import Issue

INTERVIEW_REASON = "问题整改长期超期、多次被通报，按照《创城工作问责办法》进行约谈。"
DECISION_REASON = "建筑工地扬尘问题反复出现，推诿扯皮，整改不力。"
COMMENDATION_REASON = "背街小巷环境整治成效突出，问题按期销号率全市第一。"


def _document():
    upload = demo_file("问责决定", 0)
    return SimpleUploadedFile("问责决定.pdf", upload.read())


def last_month_day(today, day):
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=min(day, end.day))


def _street_indicators(campaign):
    """When the grounds name no indicator: the field indicators of streets (背街小巷 and the like)."""
    return list(Indicator.objects.filter(standard__in=campaign.standards.all(), name__contains="背街小巷")[:1])


class Command(BaseCommand):
    help = "演示数据：约谈（含跟踪任务）、问责决定、通报表扬。"

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(status="active").order_by("pk").first()
        office = (
            Membership.objects.filter(unit=campaign.office_unit, role="supervisor").select_related("user").first()
            if campaign
            else None
        )
        if office is None:
            self.stdout.write("seed_demo_accountability: no active campaign with an office supervisor.")
            return
        actor, today = office.user, timezone.localdate()
        with transaction.atomic():
            AccountabilityRules.objects.get_or_create(
                campaign=campaign, defaults={"deduct_per_interview": "0.50", "count_decision_points": True}
            )
            self._interview(campaign, actor, today)
            self._decision(campaign, actor, today)
            self._commendations(campaign, actor, today)
        self.stdout.write(_("演示约谈问责：约谈、问责决定和通报表扬已就绪。"))

    def _interview(self, campaign, actor, today):
        if Interview.objects.filter(campaign=campaign, reason=INTERVIEW_REASON).exists():
            return
        overdue = Issue.objects.filter(campaign=campaign, responsible_unit__kind="territorial").overdue()
        # The street with the most overdue issues — not the demo clerk's own (jingbanren's
        # 我的待办 is a fixed morning of work; the interview's follow-up task would add to it).
        clerk_units = Membership.objects.filter(user__username="jingbanren").values("unit_id")
        top = (
            overdue.exclude(responsible_unit__in=clerk_units)
            .values("responsible_unit")
            .annotate(n=Count("id"))
            .order_by("-n", "responsible_unit")
            .first()
        )
        unit = (
            Unit.objects.get(pk=top["responsible_unit"])
            if top
            else Unit.objects.filter(kind="territorial", level="street").first()
        )
        held = timezone.make_aware(dt.datetime.combine(last_month_day(today, 26), dt.time(15, 0)))
        head = Membership.objects.filter(unit=unit, role="unit_head").select_related("user").first()
        services.interview_record(
            actor=actor,
            campaign=campaign,
            unit=unit,
            held_at=min(held, timezone.now() - dt.timedelta(hours=1)),
            interviewee=f"{unit.name}主要负责人{(' ' + str(head.user)) if head else ''}",
            interviewers="市创建办主任、分管副主任",
            reason=INTERVIEW_REASON,
            commitment="一、两周内完成全部超期问题整改并逐一销号；二、建立街道班子成员包片巡查制度；三、每周五向市创建办书面报告进展。",
            follow_up_date=today + dt.timedelta(days=10),
            issues=list(
                overdue.filter(responsible_unit=unit).order_by(
                    F("indicator").asc(nulls_last=True), "rectification_deadline"
                )[:5]
            ),
            indicators=None
            if overdue.filter(responsible_unit=unit, indicator__isnull=False).exists()
            else _street_indicators(campaign),
            briefings=list(
                Briefing.objects.filter(campaign=campaign, region=campaign.region, kind="weekly").order_by(
                    "-period_end"
                )[:1]
            ),
        )

    def _decision(self, campaign, actor, today):
        if Decision.objects.filter(campaign=campaign, description=DECISION_REASON).exists():
            return
        unit = (
            Unit.objects.filter(name="郑州市住房和城乡建设局").first() or Unit.objects.filter(kind="functional").first()
        )
        services.decision_record(
            actor=actor,
            campaign=campaign,
            kind="deduction",
            unit=unit,
            decided_on=last_month_day(today, 27),
            decided_by="郑州市创建国家卫生城市工作指挥部",
            document_number=f"郑创指〔{today.year}〕12号",
            document=_document(),
            points="1.00",
            description=DECISION_REASON,
            issues=list(Issue.objects.filter(campaign=campaign, responsible_unit=unit).order_by("pk")[:3]),
        )

    def _commendations(self, campaign, actor, today):
        if Commendation.objects.filter(campaign=campaign, reason=COMMENDATION_REASON).exists():
            return
        street = Unit.objects.filter(kind="territorial", level="street").order_by("region__code").last()
        services.commendation_record(
            actor=actor,
            campaign=campaign,
            unit=street,
            reason=COMMENDATION_REASON,
            commended_on=last_month_day(today, 28),
            document_number=f"郑创办〔{today.year}〕31号",
        )
        services.commendation_record(
            actor=actor,
            campaign=campaign,
            unit=street,
            person_name="杨某某（社区网格员）",
            reason="坚持每日巡查，主动发现并处置问题 120 余起。",
            commended_on=last_month_day(today, 28),
            document_number=f"郑创办〔{today.year}〕31号",
        )
