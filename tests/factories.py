"""factory-boy factories. Regions go through ``region_create`` so their paths are right."""

import datetime as dt

import factory
from django.utils import timezone

from chuangcheng.campaigns.models import Campaign, CampaignStatus, Indicator, Standard
from chuangcheng.org.models import Membership, Region, RegionLevel, Site, SiteType, Unit, UnitKind, UnitLevel, User
from chuangcheng.org.services import region_create


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"区划{n}")
    level = RegionLevel.CITY
    parent = None
    code = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return region_create(**kwargs)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"单位{n}")
    kind = UnitKind.FUNCTIONAL
    level = UnitLevel.CITY
    region = factory.SubFactory(RegionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("pass-Word-123")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = "staff"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    site_type = SiteType.MARKET
    name = factory.Sequence(lambda n: f"点位{n}")
    region = factory.SubFactory(RegionFactory)
    responsible_unit = factory.SubFactory(UnitFactory)


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Standard

    name = factory.Sequence(lambda n: f"测评体系{n}")
    version = "2026"


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    standard = factory.SubFactory(StandardFactory)
    code = factory.Sequence(lambda n: f"{n + 1}")
    name = factory.Sequence(lambda n: f"指标{n}")
    sort_key = factory.LazyAttribute(lambda o: Indicator.sort_key_for(o.code))
    methods = factory.LazyAttribute(lambda o: getattr(o, "method", "") or "")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"创建活动{n}")
    titles = ["sanitary"]
    region = factory.SubFactory(RegionFactory)
    office_unit = factory.SubFactory(UnitFactory, region=factory.SelfAttribute("..region"))
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    target_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=100))
    status = CampaignStatus.ACTIVE


class TaskFactory(factory.django.DjangoModelFactory):
    """A ledger task (created directly: tests of services create through the services)."""

    class Meta:
        model = "tasks.Task"

    campaign = factory.SubFactory(CampaignFactory)
    title = factory.Sequence(lambda n: f"任务{n}")
    owner_unit = factory.SubFactory(UnitFactory)
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=10))
