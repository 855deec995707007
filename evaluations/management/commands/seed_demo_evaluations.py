"""Demo 模拟测评: the sample 实地考察细则, two past rounds answered and closed (so 短板 and the
模拟测评报告 open on data, and the second shows its change since the first), the failures of
金水区 in the second round turned into issues, a 举一反三 sweep from one of them, and this
week's round in progress with sites waiting for the city's and 金水区's inspectors."""

import datetime as dt
import io
import random
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from chuangcheng.campaigns.models import Campaign
from chuangcheng.org.models import User

from ... import services
from ...imports import import_checklist
from ...models import Answer, Result, Round, RoundSite

QUOTAS = {"main_road": 2, "back_street": 2, "store_street": 1, "market": 1, "residential": 1, "toilet": 1}
FAIL_SHARE = {1: 0.22, 2: 0.12}  # the second round is better: the office acted on the first


def photo(n, text="DEMO"):
    image = Image.new("RGB", (320, 240), (90 + n * 37 % 120, 110, 130 + n * 53 % 100))
    ImageDraw.Draw(image).text((20, 110), f"{text} {n}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return SimpleUploadedFile(f"demo-{n}.jpg", out.getvalue(), content_type="image/jpeg")


class Command(BaseCommand):
    help = "演示数据：实地考察细则、两轮已结束的模拟测评、本周进行中的一轮、一次举一反三排查。"

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(status="active", standards__isnull=False).order_by("pk").first()
        city_dc = User.objects.filter(username="duchayuan").first()
        if campaign is None or city_dc is None:
            self.stdout.write(_("模拟测评演示数据：没有进行中的创建活动或市督查员，跳过。"))
            return
        if Round.objects.filter(campaign=campaign).exists():
            self.stdout.write(_("模拟测评演示数据：已存在，跳过。"))
            return
        standard = campaign.standards.order_by("pk").first()
        plan = import_checklist(Path(settings.BASE_DIR) / "data" / "sample_field_checklist.csv", standard=standard)
        district_dc = User.objects.filter(username="jinshui_dc").first()
        today = timezone.localdate()
        rng = random.Random(2026)
        photos = 0
        created = []
        with transaction.atomic():
            for number, days_ago in ((1, 42), (2, 14)):
                start = today - dt.timedelta(days=days_ago)
                round_ = services.round_create(
                    actor=city_dc,
                    campaign=campaign,
                    name=_("第%(n)s轮模拟测评") % {"n": number},
                    region=campaign.region,
                    starts_on=start,
                    ends_on=start + dt.timedelta(days=2),
                    quotas=QUOTAS,
                    seed=20260000 + number,
                    exclude_previous=number > 1,
                    inspectors=[city_dc],
                )
                for rs in round_.sites.select_related("site", "round", "round__campaign"):
                    entries = []
                    for item in services.checklist(rs):
                        failed = rng.random() < FAIL_SHARE[number]
                        entry = {"item": item.pk, "result": Result.FAIL if failed else Result.PASS, "note": ""}
                        if failed:
                            photos += 1
                            entry["photo"] = photo(photos)
                            entry["note"] = _("现场发现不符合要求")
                        entries.append(entry)
                    if entries:
                        services.site_answer(actor=city_dc, round_site_id=rs.pk, answers=entries)
                when = timezone.make_aware(dt.datetime.combine(start, dt.time(10, 0)))
                RoundSite.objects.filter(round=round_, answered_at__isnull=False).update(answered_at=when)
                Answer.objects.filter(round_site__round=round_).update(answered_at=when)
                if number == 2:  # its failures in 金水区 became issues (sent to the sites' units)
                    jinshui = RoundSite.objects.filter(
                        round=round_, district__name="金水区", answers__result=Result.FAIL
                    ).distinct()
                    for rs in jinshui:
                        # an item without a category gets the one its text names, else 其他
                        created += services.site_generate_issues(actor=city_dc, round_site_id=rs.pk)
                services.round_transition(actor=city_dc, round_id=round_.pk, action="close")
                Round.objects.filter(pk=round_.pk).update(closed_at=when + dt.timedelta(days=2))
            sweep = None
            origin = Answer.objects.filter(round_site__round=round_, issue__isnull=False).select_related("item").first()
            if origin is not None:
                sweep = services.sweep_create(
                    actor=city_dc,
                    campaign=campaign,
                    region=campaign.region,
                    site_type=origin.item.site_type,
                    item=origin.item,
                    origin_answer=origin,
                    origin_issue=origin.issue,
                    due_on=today + dt.timedelta(days=5),
                )
                for n, ss in enumerate(sweep.sites.select_related("unit")[:3]):
                    staff = ss.unit.memberships.filter(role__in=("staff", "unit_head")).select_related("user").first()
                    if staff is not None:
                        services.sweep_answer(
                            actor=staff.user, sweep_site_id=ss.pk, result="pass", photo=photo(900 + n, "OK")
                        )
            # This week's round: planned, sites assigned to the city's and 金水区's inspectors.
            services.round_create(
                actor=city_dc,
                campaign=campaign,
                name=_("第3轮模拟测评"),
                region=campaign.region,
                starts_on=today,
                ends_on=today + dt.timedelta(days=4),
                quotas={"main_road": 1, "back_street": 1, "market": 1},
                seed=20260003,
                exclude_previous=True,
                inspectors=[p for p in (district_dc, city_dc) if p is not None],
            )
        self.stdout.write(
            _(
                "演示模拟测评：细则 %(items)s 项，三轮测评（两轮已结束），生成问题 %(issues)s 个，举一反三 %(sweeps)s 次。"
            )
            % {"items": len(plan.rows), "issues": len(created), "sweeps": 1 if sweep else 0}
        )
