"""模拟测评 fixtures: a small standard with two scored indicators, check items for 农贸市场 and
背街小巷, and sites of both types in 甲区 and 乙区 with coordinates."""

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from chuangcheng.org.models import SiteType
from evaluations.models import CheckItem
from tests.factories import IndicatorFactory, SiteFactory, StandardFactory
from tests.inspections.factories import IssueCategoryFactory


def jpeg(n=0):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40 + n * 30 % 200, 90, 120)).save(out, "JPEG")
    return SimpleUploadedFile(f"p{n}.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def checklist(campaign, city, units):
    standard = StandardFactory(name="卫生城市示例")
    campaign.standards.add(standard)
    env = IndicatorFactory(standard=standard, code="3.1", name="市容环境", max_score=Decimal("5"))
    market = IndicatorFactory(standard=standard, code="5.1", name="农贸市场", max_score=Decimal("6"))
    garbage = IssueCategoryFactory(code="EV01", name="暴露垃圾", time_limit_hours=4)

    def item(site_type, text, indicator, points, order, **kw):
        return CheckItem.objects.create(
            standard=standard,
            site_type=site_type,
            text=text,
            indicator=indicator,
            points=Decimal(points),
            order=order,
            **kw,
        )

    items = SimpleNamespace(
        m1=item(SiteType.MARKET, "市场内无暴露垃圾", env, "0.5", 1, category=garbage),
        m2=item(SiteType.MARKET, "划行归市、无占道经营", market, "2", 2, category=garbage),
        m3=item(SiteType.MARKET, "活禽宰杀区隔离", market, "5", 3, category=garbage, negative_list=True),
        b1=item(SiteType.BACK_STREET, "无积存垃圾", env, "1", 1, category=garbage),
        b2=item(SiteType.BACK_STREET, "无乱贴乱画", env, "0.3", 2, photo_required=False, category=garbage),
    )
    sites = SimpleNamespace(
        ma1=SiteFactory(
            name="甲一农贸市场",
            site_type=SiteType.MARKET,
            region=city.a1,
            responsible_unit=units.street_a1,
            latitude=Decimal("34.750000"),
            longitude=Decimal("113.650000"),
        ),
        ma2=SiteFactory(name="甲二农贸市场", site_type=SiteType.MARKET, region=city.a2, responsible_unit=units.gov_a),
        mb1=SiteFactory(
            name="乙一农贸市场", site_type=SiteType.MARKET, region=city.b1, responsible_unit=units.street_b1
        ),
        ba1=SiteFactory(
            name="甲一小巷", site_type=SiteType.BACK_STREET, region=city.a1, responsible_unit=units.street_a1
        ),
        bb1=SiteFactory(
            name="乙一小巷", site_type=SiteType.BACK_STREET, region=city.b1, responsible_unit=units.street_b1
        ),
    )
    return SimpleNamespace(standard=standard, env=env, market=market, garbage=garbage, items=items, sites=sites)
