"""Shared fixtures: a small city with two districts, units, and one person per role.

``city`` tree::

    示范市 (city)
      甲区 (county)  ─ 甲一街道 (town) ─ 甲一社区 (village)
                     └ 甲二街道 (town)
      乙区 (county)  ─ 乙一街道 (town) ─ 乙一社区 (village)

``people``: admin, supervisor (city-wide, at the 创建办), district_supervisor (甲区 only),
leader (assigned to 甲区 by 领导包保), head and staff of 甲一街道办, staff of 乙一街道办,
staff of the 城管局 (a functional department), a person with no membership.
"""

import os
from types import SimpleNamespace

import pytest
from django.conf import settings

from chuangcheng.org.models import LeaderAssignment, RegionLevel, UnitKind, UnitLevel
from tests.factories import CampaignFactory, MembershipFactory, RegionFactory, UnitFactory, UserFactory

IS_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]
HAS_REDIS = bool(os.environ.get("REDIS_URL"))


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://…")
    for item in items:
        if "postgres" in item.keywords and not IS_POSTGRES:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not HAS_REDIS:
            item.add_marker(skip_redis)


@pytest.fixture
def city(db):
    c = RegionFactory(name="示范市", level=RegionLevel.CITY, code="9901")
    a = RegionFactory(name="甲区", level=RegionLevel.COUNTY, parent=c, code="990101")
    b = RegionFactory(name="乙区", level=RegionLevel.COUNTY, parent=c, code="990102")
    a1 = RegionFactory(name="甲一街道", level=RegionLevel.TOWN, parent=a, code="990101001")
    a2 = RegionFactory(name="甲二街道", level=RegionLevel.TOWN, parent=a, code="990101002")
    b1 = RegionFactory(name="乙一街道", level=RegionLevel.TOWN, parent=b, code="990102001")
    a1v = RegionFactory(name="甲一社区", level=RegionLevel.VILLAGE, parent=a1, code="990101001001")
    b1v = RegionFactory(name="乙一社区", level=RegionLevel.VILLAGE, parent=b1, code="990102001001")
    return SimpleNamespace(city=c, a=a, b=b, a1=a1, a2=a2, b1=b1, a1v=a1v, b1v=b1v)


@pytest.fixture
def units(city):
    office = UnitFactory(name="示范市创建办", kind=UnitKind.FUNCTIONAL, level=UnitLevel.CITY, region=city.city)
    cgj = UnitFactory(name="示范市城管局", kind=UnitKind.FUNCTIONAL, level=UnitLevel.CITY, region=city.city)
    gov_a = UnitFactory(name="甲区人民政府", kind=UnitKind.TERRITORIAL, level=UnitLevel.DISTRICT, region=city.a)
    street_a1 = UnitFactory(
        name="甲一街道办事处", kind=UnitKind.TERRITORIAL, level=UnitLevel.STREET, region=city.a1, parent=gov_a
    )
    gov_b = UnitFactory(name="乙区人民政府", kind=UnitKind.TERRITORIAL, level=UnitLevel.DISTRICT, region=city.b)
    street_b1 = UnitFactory(
        name="乙一街道办事处", kind=UnitKind.TERRITORIAL, level=UnitLevel.STREET, region=city.b1, parent=gov_b
    )
    return SimpleNamespace(office=office, cgj=cgj, gov_a=gov_a, street_a1=street_a1, gov_b=gov_b, street_b1=street_b1)


@pytest.fixture
def campaign(city, units):
    return CampaignFactory(name="百日会战", region=city.city, office_unit=units.office)


@pytest.fixture
def people(city, units, campaign):
    def person(username, unit, role, **kw):
        user = UserFactory(username=username, display_name=username)
        MembershipFactory(user=user, unit=unit, role=role, **kw)
        return user

    admin = person("admin", units.office, "admin")
    supervisor = person("supervisor", units.office, "supervisor")
    district_supervisor = person("dsupervisor", units.gov_a, "supervisor")
    leader = person("leader", units.office, "leader")
    LeaderAssignment.objects.create(campaign=campaign, leader=leader, region=city.a, kind="baobao")
    head = person("head_a1", units.street_a1, "unit_head")
    staff = person("staff_a1", units.street_a1, "staff")
    staff_b = person("staff_b1", units.street_b1, "staff")
    cgj_staff = person("staff_cgj", units.cgj, "staff")
    nobody = UserFactory(username="nobody")
    return SimpleNamespace(
        admin=admin,
        supervisor=supervisor,
        district_supervisor=district_supervisor,
        leader=leader,
        head=head,
        staff=staff,
        staff_b=staff_b,
        cgj_staff=cgj_staff,
        nobody=nobody,
    )


@pytest.fixture(autouse=True)
def chinese_by_default():
    """Each test starts in zh-hans: a request that switched to English must not leak its
    thread-local language into the next test's service messages."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def celery_broker():
    """``point(url)``: the Celery app's broker — read and write — at ``url`` for one test, its
    settings put back exactly afterwards. (Monkeypatching ``conf.broker_write_url`` leaves the
    value it read — ``broker_url``'s, which Celery's property falls back to — behind as an
    explicit setting, so a later test that moves ``broker_url`` no longer moves the kick.)"""
    from chuangcheng.celery import app

    keys = ("broker_url", "broker_write_url")
    changes = app.conf.changes
    saved = {key: changes[key] for key in keys if key in changes}

    def point(url):
        app.conf.broker_url = url
        app.conf.broker_write_url = url
        return url

    yield point
    for key in keys:
        changes.pop(key, None)
    changes.update(saved)
